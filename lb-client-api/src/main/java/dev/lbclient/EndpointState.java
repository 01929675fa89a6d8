package dev.lbclient;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Per-endpoint mutable state, lock-free. One instance per server address; it survives refreshes
 * of the endpoint list (see {@link ServerPool}).
 *
 * <p>The peak-EWMA latency (as in Finagle and Linkerd) is kept in one {@code long} so that it is
 * updated with a single CAS and no allocation: the high 32 bits hold the cost in nanoseconds as a
 * {@code float}, the low 32 bits the millisecond tick of the last update (it wraps every 49 days;
 * elapsed time is computed as a signed difference, exact for gaps below 24 days). A reading older
 * than the last update counts as no time elapsed: threads race between reading the ticker and
 * using the estimate, so a pick or a completion may carry a reading a little older than the one
 * another thread has just stored.
 *
 * <p>Update rule for a sample {@code rtt} taken {@code td} ms after the previous one, with time
 * constant {@code tau}: if {@code rtt > cost} then {@code cost = rtt} (a slow response counts at
 * once: the "peak"), otherwise {@code cost = cost * w + rtt * (1 - w)} with {@code w = e^(-td/tau)}.
 * Reads decay the cost towards zero the same way, so a server that was slow once and then left
 * idle is tried again instead of being starved.
 */
final class EndpointState implements EndpointStats {
  /** Load of an endpoint with calls in flight but no latency sample yet: 1000 s per call. */
  static final double UNMEASURED_PENALTY = 1e12;

  private static final VarHandle IN_FLIGHT;
  private static final VarHandle SUCCESSES;
  private static final VarHandle FAILURES;
  private static final VarHandle EWMA;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      IN_FLIGHT = l.findVarHandle(EndpointState.class, "inFlight", int.class);
      SUCCESSES = l.findVarHandle(EndpointState.class, "successes", long.class);
      FAILURES = l.findVarHandle(EndpointState.class, "failures", long.class);
      EWMA = l.findVarHandle(EndpointState.class, "ewma", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final double tauMillis;
  private volatile Endpoint endpoint;
  private volatile int inFlight;
  private volatile long successes;
  private volatile long failures;
  private volatile long ewma;

  EndpointState(Endpoint endpoint, double tauMillis) {
    this.endpoint = endpoint;
    this.tauMillis = tauMillis;
  }

  @Override
  public Endpoint endpoint() {
    return endpoint;
  }

  void endpoint(Endpoint updated) {
    this.endpoint = updated;
  }

  String address() {
    return endpoint.address();
  }

  @Override
  public int inFlight() {
    return inFlight;
  }

  @Override
  public long successes() {
    return successes;
  }

  @Override
  public long failures() {
    return failures;
  }

  @Override
  public double latencyEstimateNanos() {
    return Float.intBitsToFloat((int) (ewma >>> 32));
  }

  void acquire() {
    IN_FLIGHT.getAndAdd(this, 1);
  }

  void release() {
    IN_FLIGHT.getAndAdd(this, -1);
  }

  void recordSuccess(long latencyNanos, long nowNanos) {
    SUCCESSES.getAndAdd(this, 1L);
    observe(Math.max(0L, latencyNanos), nowNanos, false);
  }

  /** A failure never makes the endpoint look faster: its sample is at least the current cost. */
  void recordFailure(long latencyNanos, long nowNanos) {
    FAILURES.getAndAdd(this, 1L);
    observe(Math.max(0L, latencyNanos), nowNanos, true);
  }

  private void observe(long rttNanos, long nowNanos, boolean failure) {
    int nowMs = tick(nowNanos);
    for (;;) {
      long current = ewma;
      float cost = Float.intBitsToFloat((int) (current >>> 32));
      float next;
      if (rttNanos >= cost || failure) {
        next = Math.max(cost, (float) rttNanos);
      } else {
        double w = Math.exp(-elapsedMillis(current, nowMs) / tauMillis);
        next = (float) (cost * w + rttNanos * (1.0 - w));
      }
      long packed = ((long) Float.floatToRawIntBits(next) << 32) | (nowMs & 0xFFFF_FFFFL);
      if (EWMA.compareAndSet(this, current, packed)) {
        return;
      }
    }
  }

  /** The latency estimate decayed to {@code nowNanos}, in nanoseconds. */
  double cost(long nowNanos) {
    long current = ewma;
    float cost = Float.intBitsToFloat((int) (current >>> 32));
    if (cost == 0f) {
      return 0.0;
    }
    return cost * Math.exp(-elapsedMillis(current, tick(nowNanos)) / tauMillis);
  }

  /**
   * Peak-EWMA load: {@code cost x (inFlight + 1)}. An endpoint with no sample yet costs 0 when idle
   * and {@link #UNMEASURED_PENALTY} + inFlight when busy, so a fresh pool spreads its first calls.
   */
  double peakEwmaLoad(long nowNanos) {
    int n = inFlight;
    double cost = cost(nowNanos);
    if (cost == 0.0) {
      return n == 0 ? 0.0 : UNMEASURED_PENALTY + n;
    }
    return cost * (n + 1);
  }

  private static int tick(long nanos) {
    return (int) Math.floorDiv(nanos, 1_000_000L);
  }

  private static double elapsedMillis(long packed, int nowMs) {
    return Math.max(0, nowMs - (int) packed);
  }

  @Override
  public String toString() {
    return endpoint.address() + "{inFlight=" + inFlight + ", ok=" + successes + ", failed="
        + failures + ", latencyNs=" + (long) latencyEstimateNanos() + '}';
  }
}
