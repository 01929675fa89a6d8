package dev.lbclient;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The load balancer.
 *
 * <p><b>Concurrency.</b> Every change of what may be picked (a snapshot, an ejection, a
 * re-admission, a health change, a breaker transition, a slow-start step) is applied under {@link
 * #updateLock} and ends by publishing a new immutable {@link Picker} with one volatile write. A
 * pick reads that field once. <b>A pick never waits for the lock</b>: when its picker is due for a
 * time-driven rebuild (an ejection ending, a breaker's wait ending, a slow-start step), the pick
 * tries the lock and rebuilds only if it is free, else it goes on with the current picker.
 * Completions take the lock only when they change state (an ejection or a breaker transition).
 */
final class DefaultLoadBalancer implements LoadBalancer, EndpointSource.Listener {
  private static final Logger log = LoggerFactory.getLogger(DefaultLoadBalancer.class);
  static final int SUCCESS = 0;
  static final int FAILURE = 1;
  static final int CANCELLED = 2;
  private static final EndpointState[] NONE = new EndpointState[0];
  private static final int SLOW_START_STEPS = 20;
  /** Picks drawn from the picker before scanning when breakers refuse. */
  private static final int REDRAWS = 3;

  static final CircuitBreakerConfig DEFAULT_BREAKER = CircuitBreakerConfig.custom()
      .slidingWindow(20, 10, SlidingWindowType.COUNT_BASED,
          SlidingWindowSynchronizationStrategy.LOCK_FREE)
      .failureRateThreshold(50)
      .waitDurationInOpenState(Duration.ofSeconds(10))
      .permittedNumberOfCallsInHalfOpenState(3)
      .automaticTransitionFromOpenToHalfOpenEnabled(false)
      .writableStackTraceEnabled(false)
      .build();

  private final String serviceName;
  private final EndpointSource source;
  private final StrategyImpl strategy;
  private final Ticker ticker;
  private final PickerEnv env;
  private final boolean trackTotalInFlight;
  private final OutlierDetection outlier;
  private final @Nullable CircuitBreakerConfig breakerConfig;
  private final int panicThreshold;
  private final boolean failOnPanic;
  private final RetryPolicy retryPolicy;
  private final RetryBudgetState retryBudget;
  private final RetryThrottle retryThrottle;
  private final long slowStartNanos;
  private final @Nullable LoadBalancerListener listener;
  private final Sleeper sleeper;
  private final ReentrantLock updateLock = new ReentrantLock();
  private final ServerPool pool;
  private final @Nullable HealthCheckRunner healthChecks;
  private static final java.lang.invoke.VarHandle EXPLAIN;

  static {
    try {
      EXPLAIN = java.lang.invoke.MethodHandles.lookup()
          .findVarHandle(DefaultLoadBalancer.class, "explain", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Read with opaque access: no fence on the pick path, yet a change is seen soon. */
  private boolean explain;

  private volatile Picker picker;
  private volatile EndpointState[] current = NONE;
  private volatile long version;
  private volatile SourceStatus sourceStatus = SourceStatus.FRESH;
  // Guarded by updateLock.
  private boolean closed;
  private boolean everReceived;
  private volatile boolean panic;
  private String emptyReason;
  private EndpointSource.@Nullable Subscription subscription;

  private DefaultLoadBalancer(LoadBalancer.Builder b) {
    this.serviceName = b.serviceName;
    this.source = requireNonNull(b.source);
    this.strategy = (StrategyImpl) (b.strategy != null ? b.strategy : Strategy.powerOfTwoChoices());
    this.ticker = b.ticker != null ? b.ticker : Ticker.system();
    this.env = new PickerEnv(b.rng != null ? b.rng : Rng.THREAD_LOCAL, new LongAdder());
    this.trackTotalInFlight = strategy.needsTotalInFlight();
    this.outlier = b.outlierDetection != null ? b.outlierDetection : OutlierDetection.defaults();
    this.breakerConfig = !b.circuitBreakerSet
        ? withTicker(DEFAULT_BREAKER)
        : b.circuitBreaker == null ? null : withTicker(b.circuitBreaker);
    this.panicThreshold = b.panicThreshold >= 0
        ? b.panicThreshold : LoadBalancer.Builder.DEFAULT_PANIC_THRESHOLD;
    this.failOnPanic = b.failOnPanic;
    this.retryPolicy = b.retryPolicy != null ? b.retryPolicy : RetryPolicy.defaults();
    this.retryBudget = new RetryBudgetState(retryPolicy.budget(), ticker);
    this.retryThrottle = new ListeningThrottle();
    this.slowStartNanos = b.slowStart != null ? b.slowStart.toNanos() : 0L;
    this.listener = b.listeners.isEmpty() ? null : new GuardedListener(b.listeners);
    this.sleeper = b.sleeper != null ? b.sleeper : Sleeper.SYSTEM;
    double tauMillis = (b.peakEwmaDecay != null
        ? b.peakEwmaDecay : LoadBalancer.Builder.DEFAULT_PEAK_EWMA_DECAY).toNanos() / 1e6;
    this.pool = new ServerPool(serviceName,
        b.removedEndpointGrace != null
            ? b.removedEndpointGrace : LoadBalancer.Builder.DEFAULT_REMOVED_ENDPOINT_GRACE,
        ticker, e -> new EndpointState(e, tauMillis, newBreaker(e)));
    this.emptyReason = "no endpoints yet for " + serviceName + ": waiting for "
        + source.description();
    this.picker = new EmptyPicker(emptyReason, false, null);
    this.healthChecks = b.healthCheck == null ? null
        : new HealthCheckRunner(this, b.healthCheck, !b.manualHealthChecks);
  }

  static DefaultLoadBalancer start(LoadBalancer.Builder b) {
    DefaultLoadBalancer lb = new DefaultLoadBalancer(b);
    if (lb.listener != null) {
      lb.listener.onInit(lb);
    }
    EndpointSource.Subscription s = lb.source.start(lb);
    lb.updateLock.lock();
    try {
      lb.subscription = s;
      if (lb.closed) {
        s.close();
      }
    } finally {
      lb.updateLock.unlock();
    }
    if (lb.healthChecks != null) {
      lb.healthChecks.start();
    }
    return lb;
  }

  private CircuitBreakerConfig withTicker(CircuitBreakerConfig config) {
    return CircuitBreakerConfig.from(config).clock(new TickerClock(ticker)).build();
  }

  private @Nullable CircuitBreaker newBreaker(Endpoint e) {
    return breakerConfig == null
        ? null : CircuitBreaker.of(serviceName + "/" + e.address(), breakerConfig);
  }

  // ---------------------------------------------------------------- picking

  @Override
  public String serviceName() {
    return serviceName;
  }

  @Override
  public Strategy strategy() {
    return strategy;
  }

  @Override
  public Pick pick() {
    return pick(RequestContext.none());
  }

  @Override
  public Pick pick(RequestContext context) {
    requireNonNull(context, "context");
    if ((boolean) EXPLAIN.getOpaque(this)) {
      return pickExplained(context);
    }
    long now = ticker.read();
    return pickLease(currentPicker(now), context, now, null, null);
  }

  @Override
  public Pick pick(RequestContext context, Collection<Endpoint> avoid) {
    requireNonNull(context, "context");
    requireNonNull(avoid, "avoid");
    if (avoid.isEmpty()) {
      return pick(context);
    }
    Set<String> avoided = new HashSet<>();
    for (Endpoint e : avoid) {
      avoided.add(e.address());
    }
    long now = ticker.read();
    return pickLease(currentPicker(now), context, now, avoided, null);
  }

  @Override
  public Pick pick(RequestContext context, Predicate<Endpoint> filter) {
    requireNonNull(context, "context");
    requireNonNull(filter, "filter");
    long now = ticker.read();
    return pickLease(currentPicker(now), context, now, null, filter);
  }

  /**
   * Every pick: an endpoint whose breaker wants probes first; then the strategy's choice, drawn
   * again a few times while it is avoided, filtered out or refused by its breaker; then a scan from
   * a random offset. {@code avoided} is a preference (dropped when nothing else is left), {@code
   * filter} a requirement. In panic a breaker's refusal does not move the call (see {@link
   * #tryLease}).
   */
  private Lease pickLease(Picker p, RequestContext context, long now,
      @Nullable Set<String> avoided, @Nullable Predicate<Endpoint> filter) {
    if (p.probes != null) {
      EndpointState probe = probe(p.probes, now, avoided, filter);
      if (probe != null) {
        return lease(probe, now, true);
      }
    }
    for (int i = 0; i < REDRAWS; i++) {
      EndpointState s = p.pick(context, now);
      Lease lease = accepted(s, avoided, filter) ? tryLease(p, s, now) : null;
      if (lease != null) {
        return lease;
      }
    }
    EndpointState[] states = p.states;
    int start = env.rng.nextInt(states.length);
    for (int k = 0; k < states.length; k++) {
      EndpointState s = states[(start + k) % states.length];
      Lease lease = accepted(s, avoided, filter) ? tryLease(p, s, now) : null;
      if (lease != null) {
        return lease;
      }
    }
    if (avoided != null) {
      return pickLease(p, context, now, null, filter);
    }
    String reason = "no endpoint available for " + serviceName + (filter != null
        ? ": none of the usable endpoints is accepted by the caller's filter"
        : ": every circuit breaker refused the call");
    if (listener != null) {
      listener.onNoEndpointAvailable(serviceName, reason);
    }
    throw new NoEndpointAvailableException(serviceName, reason, statusAt(now));
  }

  private static boolean accepted(EndpointState s, @Nullable Set<String> avoided,
      @Nullable Predicate<Endpoint> filter) {
    return (avoided == null || !avoided.contains(s.address()))
        && (filter == null || filter.test(s.endpoint()));
  }

  @Override
  public void explainPicks(boolean on) {
    EXPLAIN.setOpaque(this, on);
  }

  /** {@link #pick(RequestContext)}, recording why. */
  private Pick pickExplained(RequestContext context) {
    long now = ticker.read();
    Picker p = currentPicker(now);
    StringBuilder why = new StringBuilder();
    EndpointState state = p.probes == null ? null : probe(p.probes, now, null, null);
    if (state != null) {
      why.append("offered a probe call: its circuit breaker is ").append(state.seenBreakerState)
          .append(" and must see calls to close");
    } else {
      EndpointState chosen = p.pickExplained(context, now, why);
      Lease lease = tryLease(p, chosen, now);
      if (lease == null) {
        lease = pickLease(p, context, now, null, null);
        why.append("; the circuit breaker of ").append(chosen.address()).append(" refused, took ")
            .append(lease.endpoint().address()).append(" instead");
      } else if (!lease.permitted()) {
        why.append("; its circuit breaker refused, but in panic the call goes anyway");
      }
      return explained(lease, why, now, p);
    }
    return explained(lease(state, now, true), why, now, p);
  }

  private Lease explained(Lease lease, StringBuilder why, long now, Picker p) {
    List<EndpointStatus> skipped = new ArrayList<>();
    for (EndpointState s : current) {
      if (!s.usable(now)) {
        skipped.add(s.status(now));
      }
    }
    lease.explanation(new PickExplanation(serviceName, strategy.name(), lease.endpoint(),
        why.toString(), skipped, p.panic));
    return lease;
  }

  private Picker currentPicker(long now) {
    Picker p = picker;
    if (p.timed && now - p.refreshAtNanos >= 0 && updateLock.tryLock()) {
      try {
        if (!closed) {
          rebuildLocked(now);
        }
      } finally {
        updateLock.unlock();
      }
      p = picker;
    }
    return p;
  }

  private Lease lease(EndpointState state, long now, boolean permitted) {
    state.acquire();
    if (trackTotalInFlight) {
      env.totalInFlight.increment();
    }
    return new Lease(this, state, now, permitted);
  }

  /**
   * A lease on {@code s} if its breaker grants a permission; otherwise null, or in panic a lease
   * without a permission: below the panic threshold the load balancer balances over every
   * endpoint rather than crush the few whose breakers are closed (the breaker then sees none of
   * that call). A refusal may reveal a breaker transition the picker must learn.
   */
  private @Nullable Lease tryLease(Picker p, EndpointState s, long now) {
    CircuitBreaker b = s.breaker;
    if (b == null || b.tryAcquirePermission()) {
      return lease(s, now, true);
    }
    noteRefusal(s, b, now);
    return p.panic ? lease(s, now, false) : null;
  }

  /**
   * Offers a call to an endpoint whose breaker wants probes; null when none takes one (a
   * HALF_OPEN breaker whose probe permits are all out simply refuses).
   */
  private @Nullable EndpointState probe(EndpointState[] probes, long now,
      @Nullable Set<String> avoided, @Nullable Predicate<Endpoint> filter) {
    for (EndpointState s : probes) {
      if ((avoided != null && avoided.contains(s.address()))
          || (filter != null && !filter.test(s.endpoint()))) {
        continue;
      }
      CircuitBreaker b = requireNonNull(s.breaker);
      if (b.tryAcquirePermission()) {
        return s;
      }
      noteRefusal(s, b, now);
    }
    return null;
  }

  // ---------------------------------------------------------------- completion

  /** Called exactly once per lease; {@code permitted}: it holds a breaker permission. */
  void complete(EndpointState state, long startNanos, int outcome, @Nullable Throwable cause,
      boolean permitted) {
    CircuitBreaker breaker = permitted ? state.breaker : null;
    if (outcome == CANCELLED) {
      if (breaker != null) {
        breaker.releasePermission();
      }
    } else {
      long now = ticker.read();
      long latency = now - startNanos;
      if (outcome == SUCCESS) {
        state.recordSuccess(latency, now);
        state.successInARow();
        if (breaker != null) {
          breaker.onSuccess(Math.max(0, latency), TimeUnit.NANOSECONDS);
        }
      } else {
        state.recordFailure(latency, now);
        int streak = state.failureInARow();
        if (breaker != null) {
          breaker.onError(Math.max(0, latency), TimeUnit.NANOSECONDS, requireNonNull(cause));
        }
        if (outlier.consecutiveFailures > 0 && streak >= outlier.consecutiveFailures
            && !state.ejected) {
          eject(state, now, streak + " consecutive failures");
        }
      }
      if (outlier.failureRatePercent > 0 && state.windowEndedFailing(now, outlier.intervalNanos,
          outlier.failureRatePercent, outlier.failureRateMinimumCalls)) {
        eject(state, now, "failure rate of at least " + outlier.failureRatePercent + "% over "
            + Duration.ofNanos(outlier.intervalNanos).toSeconds() + " s");
      }
      if (breaker != null && breaker.getState() != state.seenBreakerState) {
        onBreakerActivity(state, now);
      }
    }
    state.release();
    if (trackTotalInFlight) {
      env.totalInFlight.decrement();
    }
  }

  // ---------------------------------------------------------------- state changes

  private void eject(EndpointState s, long now, String reason) {
    updateLock.lock();
    try {
      if (closed || s.ejected || !isCurrent(s)) {
        return;
      }
      int ejectedNow = 0;
      for (EndpointState other : current) {
        if (other.ejected) {
          ejectedNow++;
        }
      }
      int cap = Math.max(1, current.length * outlier.maxEjectionPercent / 100);
      if (ejectedNow + 1 > cap) {
        s.resetFailureStreak(); // try again after as many failures, not at every one
        log.debug("{}: not ejecting {} ({}): {} of {} already ejected, the cap", serviceName,
            s.address(), reason, ejectedNow, current.length);
        return;
      }
      long decayed = s.ejections == 0 ? 0
          : Math.max(0, s.ejections - (now - s.readmittedAtNanos) / outlier.intervalNanos);
      s.ejections = (int) decayed + 1;
      long duration = outlier.ejectionNanos(s.ejections);
      s.ejectedUntilNanos = now + duration;
      s.ejected = true;
      s.resetFailureStreak();
      log.warn("{}: ejected {} for {} s: {}", serviceName, s.address(), duration / 1e9, reason);
      LoadBalancerListener l = listener;
      rebuildLocked(now, l == null ? null
          : () -> l.onEjected(serviceName, s.endpoint(), Duration.ofNanos(duration), reason));
    } finally {
      updateLock.unlock();
    }
  }

  @Override
  public void penalize(Endpoint endpoint, Duration duration) {
    requireNonNull(endpoint, "endpoint");
    requireNonNull(duration, "duration");
    if (duration.isNegative() || duration.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("duration: " + duration + " (expected: PT0S..PT1H)");
    }
    long now = ticker.read();
    updateLock.lock();
    try {
      if (closed) {
        return;
      }
      for (EndpointState s : current) {
        if (s.address().equals(endpoint.address())) {
          long until = now + duration.toNanos();
          if (!s.penalized || until - s.penaltyUntilNanos > 0) {
            s.penaltyUntilNanos = until;
            s.penalized = true;
            log.info("{}: {} asked for less traffic; out of rotation for {}", serviceName,
                s.address(), duration);
            rebuildLocked(now);
          }
          return;
        }
      }
    } finally {
      updateLock.unlock();
    }
  }

  /**
   * A breaker refused a call. Take the update lock only if that tells something new: a state not
   * seen yet, or an OPEN breaker whose estimated wait is over. A refusal in a state already known
   * (an OPEN breaker picked in panic, a HALF_OPEN one with its permits out) costs no lock.
   */
  private void noteRefusal(EndpointState s, CircuitBreaker b, long now) {
    CircuitBreaker.State state = b.getState();
    if (state != s.seenBreakerState
        || (state == CircuitBreaker.State.OPEN && now - s.breakerRetryAtNanos >= 0)) {
      onBreakerActivity(s, now);
    }
  }

  /** Handles a breaker state the load balancer has not seen yet. */
  private void onBreakerActivity(EndpointState s, long now) {
    CircuitBreaker b = requireNonNull(s.breaker);
    updateLock.lock();
    try {
      CircuitBreaker.State seen = s.seenBreakerState;
      CircuitBreaker.State actual = b.getState();
      if (actual == seen) {
        if (actual == CircuitBreaker.State.OPEN && now - s.breakerRetryAtNanos >= 0) {
          // Our estimate of the wait was early: look again in a second.
          s.breakerRetryAtNanos = now + TimeUnit.SECONDS.toNanos(1);
          rebuildLocked(now);
        }
        return;
      }
      s.seenBreakerState = actual;
      if (actual == CircuitBreaker.State.OPEN) {
        s.breakerOpenings++;
        long waitMillis = b.getCircuitBreakerConfig()
            .getWaitIntervalFunctionInOpenState().apply(s.breakerOpenings);
        s.breakerRetryAtNanos = now + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        log.warn("{}: circuit breaker of {} opened ({} -> {})", serviceName, s.address(), seen,
            actual);
      } else if (actual == CircuitBreaker.State.CLOSED) {
        s.breakerOpenings = 0;
        startRamp(s, now);
        log.info("{}: circuit breaker of {} closed", serviceName, s.address());
      }
      LoadBalancerListener l = listener;
      Runnable event = l == null ? null
          : () -> l.onBreakerStateChanged(serviceName, s.endpoint(), seen, actual);
      if (!closed) {
        rebuildLocked(now, event);
      } else if (event != null) {
        event.run();
      }
    } finally {
      updateLock.unlock();
    }
  }

  /** A health probe result, from the health-check runner. */
  void onHealthResult(EndpointState s, boolean healthy, HealthCheck check) {
    updateLock.lock();
    try {
      if (closed) {
        return;
      }
      s.healthStreak = healthy ? Math.max(1, s.healthStreak + 1) : Math.min(-1, s.healthStreak - 1);
      boolean change = healthy
          ? s.unhealthy && s.healthStreak >= check.healthyThreshold
          : !s.unhealthy && -s.healthStreak >= check.unhealthyThreshold;
      if (!change) {
        return;
      }
      long now = ticker.read();
      s.unhealthy = !healthy;
      if (healthy) {
        startRamp(s, now);
        log.info("{}: {} is healthy again", serviceName, s.address());
      } else {
        log.warn("{}: {} failed {} health checks in a row", serviceName, s.address(),
            -s.healthStreak);
      }
      LoadBalancerListener l = listener;
      Runnable event = l == null ? null : () -> l.onHealthChanged(serviceName, s.endpoint(), healthy);
      if (isCurrent(s)) {
        rebuildLocked(now, event);
      } else if (event != null) {
        event.run();
      }
    } finally {
      updateLock.unlock();
    }
  }

  private void startRamp(EndpointState s, long now) {
    if (slowStartNanos > 0 && strategy.supportsSlowStart()) {
      s.rampStartNanos = now;
      s.ramping = true;
    }
  }

  private boolean isCurrent(EndpointState s) {
    for (EndpointState c : current) {
      if (c == s) {
        return true;
      }
    }
    return false;
  }

  /**
   * Recomputes what may be picked and publishes it: re-admits endpoints whose ejection is over,
   * applies panic, slow-start weights, and the time of the next rebuild.
   */
  private void rebuildLocked(long now) {
    rebuildLocked(now, null);
  }

  /**
   * The rebuild; then, once the new picker is published, {@code cause} (the event that prompted
   * it, if any), then the re-admissions and panic change it found, so that listeners hear a cause
   * before its consequences and a call made from a listener already sees the new state.
   */
  private void rebuildLocked(long now, @Nullable Runnable cause) {
    EndpointState[] all = current;
    if (all.length == 0) {
      publish(all, new EmptyPicker(emptyReason, false, null));
      if (cause != null) {
        cause.run();
      }
      return;
    }
    boolean timed = false;
    long refreshAt = 0;
    List<EndpointState> usable = new ArrayList<>(all.length);
    List<EndpointState> probes = new ArrayList<>(0);
    List<Endpoint> readmitted = new ArrayList<>(0);
    for (EndpointState s : all) {
      if (s.ejected && now - s.ejectedUntilNanos >= 0) {
        s.ejected = false;
        s.readmittedAtNanos = now;
        startRamp(s, now);
        log.info("{}: {} re-admitted after its ejection", serviceName, s.address());
        readmitted.add(s.endpoint());
      }
      if (s.penalized && now - s.penaltyUntilNanos >= 0) {
        s.penalized = false;
      }
      // The earliest moment this endpoint's eligibility or weight changes, if any.
      boolean hasDue = false;
      long due = 0;
      if (s.penalized) {
        due = s.penaltyUntilNanos;
        hasDue = true;
      }
      if (s.ejected) {
        due = hasDue ? earlier(due, s.ejectedUntilNanos) : s.ejectedUntilNanos;
        hasDue = true;
      } else if (s.seenBreakerState == CircuitBreaker.State.OPEN
          && now - s.breakerRetryAtNanos < 0) {
        due = hasDue ? earlier(due, s.breakerRetryAtNanos) : s.breakerRetryAtNanos;
        hasDue = true;
      }
      if (s.ramping) {
        if (now - s.rampStartNanos >= slowStartNanos) {
          s.ramping = false;
        } else {
          long step = earlier(now + slowStartNanos / SLOW_START_STEPS,
              s.rampStartNanos + slowStartNanos);
          due = hasDue ? earlier(due, step) : step;
          hasDue = true;
        }
      }
      if (hasDue) {
        refreshAt = timed ? earlier(refreshAt, due) : due;
        timed = true;
      }
      if (s.usable(now)) {
        usable.add(s);
        if (s.breaker != null && s.seenBreakerState != CircuitBreaker.State.CLOSED) {
          probes.add(s);
        }
      }
    }
    boolean panicNow = usable.size() * 100 < panicThreshold * all.length;
    boolean panicChanged = panicNow != panic;
    if (panicChanged) {
      panic = panicNow;
      if (panicNow) {
        log.warn("{}: panic: only {} of {} endpoints usable, below {}%; {}", serviceName,
            usable.size(), all.length, panicThreshold,
            failOnPanic ? "failing picks" : "balancing over all of them");
      } else {
        log.info("{}: out of panic: {} of {} endpoints usable", serviceName, usable.size(),
            all.length);
      }
    }
    EndpointState[] candidates;
    if (panicNow && !failOnPanic) {
      candidates = all;
    } else if (panicNow) {
      candidates = NONE;
    } else {
      candidates = usable.toArray(NONE);
    }
    Picker next;
    if (candidates.length == 0) {
      String reason = panicNow && failOnPanic && !usable.isEmpty()
          ? "no endpoint available for " + serviceName + ": only " + usable.size() + " of "
              + all.length + " endpoints usable, below the panic threshold of " + panicThreshold
              + "%"
          : "no endpoint available for " + serviceName + ": all " + all.length
              + " endpoints are unusable";
      next = new EmptyPicker(reason, true, all);
    } else {
      next = strategy.newPicker(candidates, weights(candidates, now), env);
    }
    next.timed = timed;
    next.refreshAtNanos = refreshAt;
    next.panic = panicNow && !failOnPanic;
    next.probes = candidates.length == 0 || probes.isEmpty() ? null : probes.toArray(NONE);
    publish(all, next);
    if (cause != null) {
      cause.run();
    }
    if (listener != null) {
      for (Endpoint e : readmitted) {
        listener.onReadmitted(serviceName, e);
      }
      if (panicChanged) {
        listener.onPanic(serviceName, panicNow, usable.size(), all.length);
      }
    }
  }

  /** The earlier of two ticker readings (which may wrap). */
  private static long earlier(long a, long b) {
    return a - b <= 0 ? a : b;
  }

  /** Base weights, scaled by the slow-start ramp (10% to 100%) while any endpoint ramps. */
  private int[] weights(EndpointState[] states, long now) {
    int[] weights = strategy.baseWeights(states);
    boolean anyRamping = false;
    for (EndpointState s : states) {
      anyRamping |= s.ramping;
    }
    if (anyRamping) {
      for (int i = 0; i < states.length; i++) {
        weights[i] *= rampPercent(states[i], now);
      }
    }
    return weights;
  }

  /** Envoy's ramp with aggression 1: max(10%, elapsed / window), in whole percent. */
  int rampPercent(EndpointState s, long now) {
    if (!s.ramping) {
      return 100;
    }
    long elapsed = Math.max(0, now - s.rampStartNanos);
    return (int) Math.max(10, Math.min(100, elapsed * 100 / slowStartNanos));
  }

  // ---------------------------------------------------------------- source updates

  @Override
  public void onEndpoints(List<Endpoint> endpoints) {
    requireNonNull(endpoints, "endpoints");
    updateLock.lock();
    try {
      if (closed) {
        return;
      }
      long now = ticker.read();
      boolean first = !everReceived;
      everReceived = true;
      if (sourceStatus.isStale()) {
        log.info("{}: endpoint source recovered after {} failed refreshes", serviceName,
            sourceStatus.consecutiveFailures());
        if (listener != null) {
          listener.onSourceStale(serviceName, false, source.description());
        }
      }
      sourceStatus = SourceStatus.FRESH;
      EndpointState[] before = current;
      EndpointState[] states = pool.reconcile(endpoints);
      List<Endpoint> added = new ArrayList<>();
      for (EndpointState s : states) {
        if (!contains(before, s)) {
          added.add(s.endpoint());
          if (!first) {
            startRamp(s, now);
          }
        }
      }
      List<Endpoint> removed = new ArrayList<>();
      for (EndpointState s : before) {
        if (!contains(states, s)) {
          removed.add(s.endpoint());
        }
      }
      current = states;
      if (states.length == 0) {
        emptyReason = "no endpoints for " + serviceName + ": " + source.description()
            + " returned an empty list";
        log.warn("{}: the endpoint list is empty; picks fail until it is not", serviceName);
      } else if (!added.isEmpty() || !removed.isEmpty()) {
        log.info("{}: {} endpoints ({} added, {} removed)", serviceName, states.length,
            added.size(), removed.size());
      }
      LoadBalancerListener l = listener;
      rebuildLocked(now, l == null || (added.isEmpty() && removed.isEmpty()) ? null
          : () -> l.onEndpointsChanged(serviceName, List.copyOf(added), List.copyOf(removed)));
    } finally {
      updateLock.unlock();
    }
  }

  private static boolean contains(EndpointState[] states, EndpointState s) {
    for (EndpointState x : states) {
      if (x == s) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void onError(String description, @Nullable Throwable cause) {
    requireNonNull(description, "description");
    updateLock.lock();
    try {
      if (closed) {
        return;
      }
      SourceStatus previous = sourceStatus;
      sourceStatus = previous.isStale()
          ? new SourceStatus(true, previous.staleSinceNanos(), description,
              previous.consecutiveFailures() + 1)
          : new SourceStatus(true, ticker.read(), description, 1);
      if (!everReceived) {
        emptyReason = "no endpoints yet for " + serviceName + ": " + description;
        publish(NONE, new EmptyPicker(emptyReason, false, null));
      }
      if (!previous.isStale()) {
        // The source logs its own failures; this line marks the start of the stale period.
        log.info("{}: endpoint source is stale ({}): {}", serviceName,
            everReceived ? "serving the last good list" : "no list received yet", description,
            cause);
        if (listener != null) {
          listener.onSourceStale(serviceName, true, description);
        }
      }
    } finally {
      updateLock.unlock();
    }
  }

  /** Version first, then picker: a pick that sees picker v ran after version v was written. */
  private void publish(EndpointState[] states, Picker next) {
    version++;
    current = states;
    picker = next;
  }

  // ---------------------------------------------------------------- execute

  @Override
  public <T, X extends Exception> T execute(EndpointCall<T, X> call) throws X {
    return execute(RequestContext.none(), call);
  }

  @Override
  public <T, X extends Exception> T execute(RequestContext context, EndpointCall<T, X> call)
      throws X {
    requireNonNull(context, "context");
    requireNonNull(call, "call");
    retryThrottle.onRequest();
    List<Endpoint> tried = new ArrayList<>(retryPolicy.maxAttempts());
    List<Throwable> earlier = new ArrayList<>(0);
    for (int attempt = 1; ; attempt++) {
      Pick pick;
      try {
        pick = tried.isEmpty() ? pick(context) : pick(context, tried);
      } catch (NoEndpointAvailableException e) {
        if (earlier.isEmpty()) {
          throw e;
        }
        Throwable last = earlier.remove(earlier.size() - 1);
        last.addSuppressed(e);
        throw this.<X>rethrow(last, earlier);
      }
      Endpoint endpoint = pick.endpoint();
      tried.add(endpoint);
      Throwable error;
      try {
        T result = call.call(endpoint);
        pick.success();
        return result;
      } catch (Error e) {
        pick.close();
        throw e;
      } catch (Exception e) {
        error = e;
      }
      ExceptionClassifier.Verdict verdict = retryPolicy.classifier().classify(error);
      if (verdict == ExceptionClassifier.Verdict.NOT_A_FAILURE) {
        pick.success();
        throw this.<X>rethrow(error, earlier);
      }
      pick.failure(error);
      if (verdict != ExceptionClassifier.Verdict.RETRYABLE_FAILURE
          || attempt >= retryPolicy.maxAttempts()) {
        throw this.<X>rethrow(error, earlier);
      }
      if (!retryThrottle.tryRetry(endpoint, attempt, error)) {
        error.addSuppressed(new RetryRefusedException("retry refused for " + serviceName
            + ": the retry budget is exhausted (" + retryPolicy.budget() + ")"));
        throw this.<X>rethrow(error, earlier);
      }
      earlier.add(error);
      long backoff = retryPolicy.backoffNanos(attempt);
      if (backoff > 0) {
        try {
          sleeper.sleepNanos(backoff);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          Throwable last = earlier.remove(earlier.size() - 1);
          last.addSuppressed(e);
          throw this.<X>rethrow(last, earlier);
        }
      }
    }
  }

  /**
   * Throws {@code error} with the earlier attempts' errors attached. The call may only throw X or
   * unchecked exceptions, so the unchecked cast is sound.
   */
  @SuppressWarnings("unchecked")
  private <X extends Exception> X rethrow(Throwable error, List<Throwable> earlier) throws X {
    for (Throwable e : earlier) {
      if (e != error) {
        error.addSuppressed(e);
      }
    }
    if (error instanceof RuntimeException) {
      throw (RuntimeException) error;
    }
    if (error instanceof Error) {
      throw (Error) error;
    }
    throw (X) error;
  }

  @Override
  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  @Override
  public RetryThrottle retryThrottle() {
    return retryThrottle;
  }

  /** The budget, with listener events for retries taken and refused. */
  private final class ListeningThrottle implements RetryThrottle {
    @Override
    public void onRequest() {
      retryBudget.onRequest();
    }

    @Override
    public boolean tryRetry() {
      return retryBudget.tryRetry();
    }

    @Override
    public boolean tryRetry(Endpoint failed, int retry, Throwable cause) {
      requireNonNull(failed, "failed");
      requireNonNull(cause, "cause");
      boolean allowed = retryBudget.tryRetry();
      if (listener != null) {
        if (allowed) {
          listener.onRetry(serviceName, failed, retry, cause);
        } else {
          listener.onRetryBudgetExhausted(serviceName, cause);
        }
      }
      return allowed;
    }

    @Override
    public String toString() {
      return retryBudget.toString();
    }
  }

  // ---------------------------------------------------------------- views

  /** Snapshot count, for tests. */
  long version() {
    return version;
  }

  @Override
  public List<Endpoint> endpoints() {
    EndpointState[] states = current;
    List<Endpoint> list = new ArrayList<>(states.length);
    for (EndpointState s : states) {
      list.add(s.endpoint());
    }
    return Collections.unmodifiableList(list);
  }

  @Override
  public List<EndpointStats> stats() {
    return List.of(current);
  }

  @Override
  public SourceStatus sourceStatus() {
    return sourceStatus;
  }

  @Override
  public List<EndpointStatus> status() {
    return statusAt(ticker.read());
  }

  private List<EndpointStatus> statusAt(long now) {
    EndpointState[] states = current;
    List<EndpointStatus> list = new ArrayList<>(states.length);
    for (EndpointState s : states) {
      list.add(s.status(now));
    }
    return List.copyOf(list);
  }

  EndpointState[] states() {
    return current;
  }

  ServerPool pool() {
    return pool;
  }

  Ticker ticker() {
    return ticker;
  }

  @Nullable HealthCheckRunner healthChecks() {
    return healthChecks;
  }

  @Override
  public void close() {
    EndpointSource.Subscription s;
    updateLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      picker = new ClosedPicker();
      s = subscription;
    } finally {
      updateLock.unlock();
    }
    if (healthChecks != null) {
      healthChecks.close();
    }
    if (s != null) {
      s.close();
    }
  }

  @Override
  public String toString() {
    return "LoadBalancer{" + serviceName + ", " + strategy.name() + ", " + current.length
        + " endpoints}";
  }

  private final class EmptyPicker extends Picker {
    private final String reason;
    private final boolean listStates;

    EmptyPicker(String reason, boolean listStates, EndpointState @Nullable [] all) {
      super(NONE);
      this.reason = reason;
      this.listStates = listStates && all != null;
    }

    @Override
    EndpointState pick(RequestContext context, long nowNanos) {
      if (listener != null) {
        listener.onNoEndpointAvailable(serviceName, reason);
      }
      throw new NoEndpointAvailableException(serviceName, reason,
          listStates ? statusAt(nowNanos) : List.of());
    }
  }

  private final class ClosedPicker extends Picker {
    ClosedPicker() {
      super(NONE);
    }

    @Override
    EndpointState pick(RequestContext context, long nowNanos) {
      throw new IllegalStateException("load balancer for " + serviceName + " is closed");
    }
  }
}
