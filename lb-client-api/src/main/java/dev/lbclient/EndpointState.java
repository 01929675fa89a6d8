package dev.lbclient;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

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
  private static final VarHandle TOTAL_LATENCY;
  private static final VarHandle STREAK;
  private static final VarHandle WINDOW_END;
  private static final VarHandle BREAKER;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      IN_FLIGHT = l.findVarHandle(EndpointState.class, "inFlight", int.class);
      SUCCESSES = l.findVarHandle(EndpointState.class, "successes", long.class);
      FAILURES = l.findVarHandle(EndpointState.class, "failures", long.class);
      EWMA = l.findVarHandle(EndpointState.class, "ewma", long.class);
      TOTAL_LATENCY = l.findVarHandle(EndpointState.class, "totalLatency", long.class);
      STREAK = l.findVarHandle(EndpointState.class, "failureStreak", int.class);
      WINDOW_END = l.findVarHandle(EndpointState.class, "windowEndNanos", long.class);
      BREAKER = l.findVarHandle(EndpointState.class, "breaker", CircuitBreaker.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final double tauMillis;
  private volatile Endpoint endpoint;
  private volatile int inFlight;
  /** The ms tick when in-flight last rose from 0 through {@link #acquire(long)}. */
  private volatile int busySinceMs;
  private volatile long successes;
  private volatile long failures;
  private volatile long ewma;
  /**
   * ln(cost) + tick / tau as of the last update, or negative infinity before the first sample.
   * The cost decayed to tick t is exp(key - t / tau), so comparing keys (plus ln of the in-flight
   * factor) compares decayed loads without an exp per endpoint. Written after the CAS that set the
   * cost; a reader may briefly see the previous update's key.
   */
  private volatile double logCostKey = Double.NEGATIVE_INFINITY;
  private volatile long totalLatency;

  // Fault handling. The failure streak and the failure-rate window are updated by completions
  // without locks; the rest is written under the load balancer's update lock and read by anyone.
  private volatile int failureStreak;
  private volatile long windowEndNanos;
  private volatile long windowBaseSuccesses;
  private volatile long windowBaseFailures;
  volatile boolean ejected;
  volatile long ejectedUntilNanos;
  /** Ejections in a row (the multiplier of the ejection time); under the lock. */
  int ejections;
  /** When the last ejection ended; under the lock. */
  long readmittedAtNanos;
  volatile boolean unhealthy;
  /** Health probe results in a row: > 0 good, < 0 failed; under the lock. */
  int healthStreak;
  /**
   * The endpoint's circuit breaker once it exists: null without breakers, and until the first pick
   * asks for it ({@link #breaker()}). A Resilience4j breaker weighs about 3 KB (2.6 KB of it the
   * default lock-free 20-call window), so a pool of ten thousand endpoints that are never called
   * keeps none; a breaker created at its first call is the one it would have been at the
   * endpoint's arrival, since nothing was recorded before.
   */
  volatile @Nullable CircuitBreaker breaker;
  /** Creates the breaker; null without breakers. */
  private final @Nullable Function<Endpoint, CircuitBreaker> breakers;
  /** The breaker state last handled; under the lock. */
  volatile CircuitBreaker.State seenBreakerState = CircuitBreaker.State.CLOSED;
  /** When an OPEN breaker should be offered calls again (its wait is over); under the lock. */
  volatile long breakerRetryAtNanos;
  /** What {@link BreakerRecorder} knows of the breaker's window; written only by it. */
  volatile long breakerMark;
  /** Times the breaker opened since it was last CLOSED; under the lock. */
  int breakerOpenings;
  /** Server asked for less traffic (429 or 503 with Retry-After) until penaltyUntilNanos. */
  volatile boolean penalized;
  volatile long penaltyUntilNanos;
  volatile boolean ramping;
  volatile long rampStartNanos;
  /** The server's last load report; replaced with one volatile write per report. */
  volatile @Nullable ReportedLoad reported;

  EndpointState(Endpoint endpoint, double tauMillis) {
    this(endpoint, tauMillis, (CircuitBreaker) null);
  }

  EndpointState(Endpoint endpoint, double tauMillis, @Nullable CircuitBreaker breaker) {
    this.endpoint = endpoint;
    this.tauMillis = tauMillis;
    this.breaker = breaker;
    this.breakers = null;
  }

  /** With a breaker created by {@code breakers} when a pick first asks for it. */
  EndpointState(Endpoint endpoint, double tauMillis,
      @Nullable Function<Endpoint, CircuitBreaker> breakers) {
    this.endpoint = endpoint;
    this.tauMillis = tauMillis;
    this.breakers = breakers;
  }

  /** The breaker, created on the first call; null without breakers. */
  @Nullable CircuitBreaker breaker() {
    CircuitBreaker b = breaker;
    if (b == null && breakers != null) {
      CircuitBreaker created = breakers.apply(endpoint);
      b = (CircuitBreaker) BREAKER.compareAndExchange(this, (CircuitBreaker) null, created);
      if (b == null) {
        b = created;
      }
    }
    return b;
  }

  /** The breaker's state: CLOSED before it exists, null without breakers. */
  CircuitBreaker.@Nullable State breakerStateOrNull() {
    CircuitBreaker b = breaker;
    return b != null ? b.getState() : breakers != null ? CircuitBreaker.State.CLOSED : null;
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

  /** One more call, started at {@code nowNanos}; notes a busy period's start before counting. */
  void acquire(long nowNanos) {
    if (inFlight == 0) {
      busySinceMs = tick(nowNanos);
    }
    IN_FLIGHT.getAndAdd(this, 1);
  }

  /**
   * How long, in ms, the endpoint has held calls without answering any: 0 when idle, else the time
   * since the later of its last completion and the start of its busy period, a lower bound of its
   * oldest call's age (a cancelled call is no completion: it may overstate by that call's length).
   * It grows with a server that stops answering, long before any of its calls times out.
   */
  int silentMillis(long nowNanos) {
    if (inFlight == 0) {
      return 0;
    }
    int now = tick(nowNanos);
    int since = busySinceMs;
    int last = (int) ewma;
    return Math.max(0, Math.min(now - since, now - last));
  }

  void release() {
    IN_FLIGHT.getAndAdd(this, -1);
  }

  @Override
  public long totalLatencyNanos() {
    return totalLatency;
  }

  @Override
  public boolean isEjected() {
    return ejected || penalized;
  }

  @Override
  public boolean isHealthy() {
    return !unhealthy;
  }

  @Override
  public CircuitBreaker.@Nullable State breakerState() {
    return breakerStateOrNull();
  }

  void recordSuccess(long latencyNanos, long nowNanos) {
    SUCCESSES.getAndAdd(this, 1L);
    TOTAL_LATENCY.getAndAdd(this, Math.max(0L, latencyNanos));
    observe(Math.max(0L, latencyNanos), nowNanos, false);
  }

  /** A cancelled call took at least {@code latencyNanos}: it may raise the estimate, never lower. */
  void recordAtLeast(long latencyNanos, long nowNanos) {
    if (latencyNanos > cost(nowNanos)) {
      observe(latencyNanos, nowNanos, false);
    }
  }

  /** A failure never makes the endpoint look faster; see {@link #observe}. */
  void recordFailure(long latencyNanos, long nowNanos) {
    FAILURES.getAndAdd(this, 1L);
    TOTAL_LATENCY.getAndAdd(this, Math.max(0L, latencyNanos));
    observe(Math.max(0L, latencyNanos), nowNanos, true);
  }

  /**
   * A sample of 0 ns (a coarse or fake clock) counts as 1 ns, so that "no sample yet" (cost 0)
   * stays distinct. A failure's sample is raised to at least the cost decayed to now, then blended
   * like any other: a fast failure (a refused connection) weighs more than a success of the same
   * speed and never lowers the estimate below its decayed value, yet a failure long after a slow
   * call does not revive that call's faded peak.
   */
  private void observe(long rttNanos, long nowNanos, boolean failure) {
    int nowMs = tick(nowNanos);
    for (;;) {
      long current = ewma;
      float cost = Float.intBitsToFloat((int) (current >>> 32));
      double w = Math.exp(-elapsedMillis(current, nowMs) / tauMillis);
      double sample = Math.max(1L, rttNanos);
      if (failure) {
        sample = Math.max(sample, cost * w);
      }
      float next = sample >= cost
          ? (float) sample
          : (float) (cost * w + sample * (1.0 - w));
      long packed = ((long) Float.floatToRawIntBits(next) << 32) | (nowMs & 0xFFFF_FFFFL);
      if (EWMA.compareAndSet(this, current, packed)) {
        logCostKey = Math.log(next) + Math.floorDiv(nowNanos, 1_000_000L) / tauMillis;
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

  /** Keeps a load report the server sent for a call to this endpoint. */
  void report(LoadReport report, long nowNanos) {
    reported = ReportedLoad.next(reported, report, nowNanos);
  }

  /** Counts a failure; returns the failures in a row, this one included. */
  int failureInARow() {
    return (int) STREAK.getAndAdd(this, 1) + 1;
  }

  /** Ends a failure streak; writes only when there is one, to keep the line clean. */
  void successInARow() {
    if (failureStreak != 0) {
      failureStreak = 0;
    }
  }

  void resetFailureStreak() {
    failureStreak = 0;
  }

  /**
   * Closes the failure-rate window if it has ended (one caller wins) and says whether its failure
   * percentage reached {@code percent} over at least {@code minimumCalls} calls.
   */
  boolean windowEndedFailing(long nowNanos, long intervalNanos, int percent, int minimumCalls) {
    long end = windowEndNanos;
    if (end != 0 && nowNanos - end < 0) {
      return false;
    }
    if (!WINDOW_END.compareAndSet(this, end, nowNanos + intervalNanos)) {
      return false;
    }
    long s = successes;
    long f = failures;
    long calls = (s - windowBaseSuccesses) + (f - windowBaseFailures);
    long failed = f - windowBaseFailures;
    windowBaseSuccesses = s;
    windowBaseFailures = f;
    return end != 0 && percent > 0 && calls >= minimumCalls && failed * 100 >= percent * calls;
  }

  /** Usable for new calls, ignoring panic: not ejected, healthy, breaker not waiting. */
  boolean usable(long nowNanos) {
    return !ejected && !unhealthy && !penalized
        && !(seenBreakerState == CircuitBreaker.State.OPEN && nowNanos - breakerRetryAtNanos < 0);
  }

  /** ln(1 + n) for n below the table's size. */
  /** ln(1 + i) for i below 1024: in-flight factors, and silences in ms (ln s = LN_1P[s - 1]). */
  static final double[] LN_1P =
      java.util.stream.IntStream.range(0, 1024).mapToDouble(Math::log1p).toArray();
  private static final double LN_1E6 = Math.log(1e6);

  /**
   * A key that orders endpoints by peak-EWMA load, {@code cost x (inFlight + 1)}, at any one
   * instant: ln(load) + tick(now) / tau, computed with a table lookup instead of an exp. Negative
   * infinity for an idle endpoint with no sample yet (load 0); with calls in flight but no sample,
   * the load is {@link #UNMEASURED_PENALTY} + inFlight, so a fresh pool spreads its first calls.
   */
  double peakEwmaLoadKey(long nowNanos) {
    return loadKey(nowNanos, 0, false);
  }

  /**
   * {@link #peakEwmaLoadKey} as it would be with {@code extra} more calls in flight; with {@code
   * stallAware} the cost is raised to at least {@link #silentMillis}, so a server holding calls
   * without answering costs at least as much as the time it has been silent.
   */
  double loadKey(long nowNanos, int extra, boolean stallAware) {
    int n = inFlight + extra;
    double key = logCostKey;
    if (key == Double.NEGATIVE_INFINITY) {
      return n == 0 ? key : Math.log(UNMEASURED_PENALTY + n) + timeTerm(nowNanos);
    }
    int silent = stallAware ? silentMillis(nowNanos) : 0;
    if (silent > 0) {
      double ln = silent <= LN_1P.length ? LN_1E6 + LN_1P[silent - 1] : Math.log(silent * 1e6);
      key = Math.max(key, ln + timeTerm(nowNanos));
    }
    return key + (n < LN_1P.length ? LN_1P[n] : Math.log1p(n));
  }

  /** The load a {@link #peakEwmaLoadKey} stands for, for messages. */
  double loadOfKey(double key, long nowNanos) {
    return Math.exp(key - timeTerm(nowNanos));
  }

  private double timeTerm(long nowNanos) {
    return Math.floorDiv(nowNanos, 1_000_000L) / tauMillis;
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
