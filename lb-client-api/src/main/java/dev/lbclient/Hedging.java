package dev.lbclient;

/**
 * A load balancer's running hedging state (see {@link HedgingPolicy}), for integrations that send
 * their own hedges, as the OkHttp interceptor does: per call, {@link #onRequest()} once, {@link
 * #delayNanos()} for when to hedge, {@link #schedule} to be woken then, {@link #tryHedge()} before
 * each hedge, and {@link #recordLatency(long)} for each successful attempt. {@link
 * LoadBalancer#execute(EndpointCall)} does all of it itself.
 *
 * <p>Thread-safe; recording and budget checks take no lock and allocate nothing.
 */
public interface Hedging {
  /** The policy. */
  HedgingPolicy policy();

  /** Counts one logical request for the hedging budget. */
  void onRequest();

  /**
   * The delay before the next hedge of a call started now, in nanoseconds: the policy's percentile
   * of recent latencies, or its fixed delay; -1 when no hedge can be sent yet (a percentile only,
   * with fewer than {@link HedgingPolicy#MIN_SAMPLES} recent latencies).
   */
  long delayNanos();

  /** Takes one hedge from the budget; false when the budget is spent. */
  boolean tryHedge();

  /** Hedges the budget allowed so far: {@link #tryHedge()} calls that returned true. */
  long hedgesAllowed();

  /** Hedges the budget refused so far: {@link #tryHedge()} calls that returned false. */
  long hedgesRefused();

  /** Records the latency of one successful attempt, for the delay percentile. */
  void recordLatency(long nanos);

  /**
   * Runs {@code task} about {@code delayNanos} from now on the load balancer's timer (its {@link
   * LoadBalancer.Builder#executor executor}, or the shared timer thread); the task must be short
   * and must not block. Returns a canceller.
   */
  Runnable schedule(Runnable task, long delayNanos);
}
