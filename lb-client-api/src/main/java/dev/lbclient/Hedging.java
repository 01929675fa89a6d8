package dev.lbclient;

/**
 * A load balancer's running hedging state (see {@link HedgingPolicy}), for integrations that send
 * their own hedges, as the OkHttp interceptor does: per call, {@link #onRequest()} once, {@link
 * #delayNanos()} for when to hedge, {@link #schedule} to be woken then, {@link #tryHedge(int)}
 * before each hedge (and, when refused, again later), {@link #recordLatency(long)} for each
 * successful attempt and {@link #onHedgeWon()} when a hedge answered first. {@link
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

  /**
   * Takes one hedge from the budget; false when it is spent. {@code ask} is 1 when a call asks
   * after its first delay, and 2, 3... when it asks again after a refusal: the integrations ask
   * again once the call has waited 4 delays, then each time that wait doubles (8, 16...). First
   * asks spend the budget; later asks spend an allowance of their own, a fifth of the budget
   * counted apart. So the routine hedges a percentile delay makes cannot leave nothing for a call
   * stuck far past it, as calls to a server that stopped answering are, and those calls cannot
   * take the routine hedges' share either.
   *
   * @throws IllegalArgumentException if {@code ask} is below 1
   */
  boolean tryHedge(int ask);

  /**
   * How long a call the budget refused at its {@code ask}-th ask, having waited {@code waitedNanos}
   * since its last attempt began, waits in all before it asks again: 4 times the delay after the
   * first ask, then twice the wait so far. Saturates at {@link Long#MAX_VALUE}.
   *
   * @throws IllegalArgumentException if {@code ask} is below 1 or {@code waitedNanos} negative
   */
  static long nextAskNanos(int ask, long waitedNanos) {
    if (ask < 1 || waitedNanos < 0) {
      throw new IllegalArgumentException(ask < 1
          ? "ask: " + ask + " (expected: >= 1)"
          : "waitedNanos: " + waitedNanos + " (expected: >= 0)");
    }
    long factor = ask == 1 ? 4 : 2;
    return waitedNanos > Long.MAX_VALUE / factor ? Long.MAX_VALUE : waitedNanos * factor;
  }

  /** Hedges the budget allowed so far: {@link #tryHedge(int)} calls that returned true. */
  long hedgesAllowed();

  /**
   * Hedges the budget refused so far: {@link #tryHedge(int)} calls that returned false (a call that
   * asks again is counted again).
   */
  long hedgesRefused();

  /** Counts a call that a hedge won: an attempt sent as a hedge answered first. */
  void onHedgeWon();

  /**
   * Calls hedges won so far ({@link #onHedgeWon()}): beside {@link #hedgesAllowed()}, how often a
   * hedge was worth its cost. Few wins for many hedges say the delay is too short.
   */
  long hedgesWon();

  /** Records the latency of one successful attempt, for the delay percentile. */
  void recordLatency(long nanos);

  /**
   * Runs {@code task} about {@code delayNanos} from now on the load balancer's timer (its {@link
   * LoadBalancer.Builder#executor executor}, or the shared timer thread); the task must be short
   * and must not block. Returns a canceller.
   */
  Runnable schedule(Runnable task, long delayNanos);
}
