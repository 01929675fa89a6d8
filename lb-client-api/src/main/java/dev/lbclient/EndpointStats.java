package dev.lbclient;

/**
 * A live, read-only view of one endpoint's counters, as the load balancer sees them.
 *
 * <p>Thread-safe: every accessor reads the current value without locking; values read one after
 * another may come from different moments.
 */
public interface EndpointStats {
  /** The endpoint, as of the latest snapshot that contained it. */
  Endpoint endpoint();

  /** Calls picked and not yet completed. */
  int inFlight();

  /** Calls reported with {@link Pick#success()}. */
  long successes();

  /** Calls reported with {@link Pick#failure(Throwable)}. */
  long failures();

  /**
   * The peak-EWMA latency estimate in nanoseconds as of the last completed call (0 before the
   * first): it jumps up to any slower sample at once and decays towards faster ones with the
   * configured time constant.
   */
  double latencyEstimateNanos();
}
