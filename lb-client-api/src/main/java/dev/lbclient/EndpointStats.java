package dev.lbclient;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.jspecify.annotations.Nullable;

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

  /** The sum of the latencies of all completed calls (success and failure), in nanoseconds. */
  long totalLatencyNanos();

  /** Ejected by outlier detection, or penalized at the server's request, right now. */
  boolean isEjected();

  /** Passing its active health checks (always true without health checks). */
  boolean isHealthy();

  /** Its circuit breaker's state, or {@code null} when circuit breakers are off. */
  CircuitBreaker.@Nullable State breakerState();
}
