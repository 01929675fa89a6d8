package dev.lbclient;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/** A load balancer's settings, the builder's choices with every default filled in. Immutable. */
final class LbConfig {
  static final Duration DEFAULT_PEAK_EWMA_DECAY = Duration.ofSeconds(10);
  static final Duration DEFAULT_REMOVED_ENDPOINT_GRACE = Duration.ofMinutes(5);
  static final Duration DEFAULT_SLOW_START = Duration.ofSeconds(30);
  static final int DEFAULT_PANIC_THRESHOLD = 50;

  static final CircuitBreakerConfig DEFAULT_BREAKER = CircuitBreakerConfig.custom()
      .slidingWindow(20, 10, SlidingWindowType.COUNT_BASED,
          SlidingWindowSynchronizationStrategy.LOCK_FREE)
      .failureRateThreshold(50)
      .waitDurationInOpenState(Duration.ofSeconds(10))
      .permittedNumberOfCallsInHalfOpenState(3)
      .automaticTransitionFromOpenToHalfOpenEnabled(false)
      .writableStackTraceEnabled(false)
      .build();

  /** The builder's settings as given, before defaults: the fields of {@link LoadBalancer.Builder}. */
  abstract static class Draft {
    final String serviceName;
    @Nullable EndpointSource source;
    @Nullable Strategy strategy;
    @Nullable Ticker ticker;
    @Nullable Duration peakEwmaDecay;
    @Nullable Duration removedEndpointGrace;
    @Nullable RandomGenerator rng;
    @Nullable ScheduledExecutorService executor;
    @Nullable Timer timer;
    @Nullable OutlierDetection outlierDetection;
    @Nullable CircuitBreakerConfig circuitBreaker;
    boolean circuitBreakerSet;
    int panicThreshold = -1;
    boolean failOnPanic;
    @Nullable RetryPolicy retryPolicy;
    @Nullable HedgingPolicy hedging;
    @Nullable HealthCheck healthCheck;
    @Nullable Duration slowStart;
    final List<LoadBalancerListener> listeners = new ArrayList<>();
    @Nullable Sleeper sleeper;
    boolean manualHealthChecks;

    @Nullable Subsetting subsetting;
    @Nullable ZoneRouting zoneRouting;

    Draft(String serviceName) {
      this.serviceName = checkServiceName(serviceName);
    }

    /** {@code value}, unless the setting was given before ({@code current} not null). */
    static <T> T once(String setting, @Nullable Object current, T value) {
      if (current != null) {
        throw new IllegalStateException(setting + " was already set to " + current);
      }
      return value;
    }

    /** {@code d} if within [min, max], named in the message otherwise. */
    static Duration between(String setting, Duration d, Duration min, Duration max) {
      requireNonNull(d, setting);
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            setting + ": " + d + " (expected: " + min + ".." + max + ")");
      }
      return d;
    }
  }

  final String serviceName;
  final EndpointSource source;
  final StrategyImpl strategy;
  final Ticker ticker;
  final RandomGenerator rng;
  final OutlierDetection outlier;
  final @Nullable CircuitBreakerConfig breakerConfig;
  final int panicThreshold;
  final boolean failOnPanic;
  final RetryPolicy retryPolicy;
  final @Nullable HedgingPolicy hedging;
  final long slowStartNanos;
  final Sleeper sleeper;
  final double tauMillis;
  final Duration removedEndpointGrace;
  final @Nullable HealthCheck healthCheck;
  final boolean scheduledHealthChecks;
  final Timer timer;
  final List<LoadBalancerListener> listeners;
  final @Nullable Subsetting subsetting;
  final @Nullable ZoneRouting zoneRouting;

  LbConfig(Draft b) {
    this.serviceName = b.serviceName;
    this.source = requireNonNull(b.source);
    this.strategy = (StrategyImpl) (b.strategy != null ? b.strategy : Strategy.powerOfTwoChoices());
    this.ticker = b.ticker != null ? b.ticker : Ticker.system();
    this.rng = b.rng != null ? b.rng : Randoms.threadLocal();
    this.outlier = b.outlierDetection != null ? b.outlierDetection : OutlierDetection.defaults();
    this.breakerConfig = !b.circuitBreakerSet
        ? withTicker(DEFAULT_BREAKER)
        : b.circuitBreaker == null ? null : withTicker(b.circuitBreaker);
    this.panicThreshold = b.panicThreshold >= 0 ? b.panicThreshold : DEFAULT_PANIC_THRESHOLD;
    this.failOnPanic = b.failOnPanic;
    this.retryPolicy = b.retryPolicy != null ? b.retryPolicy : RetryPolicy.defaults();
    this.hedging = b.hedging;
    this.slowStartNanos = b.slowStart != null ? b.slowStart.toNanos() : 0L;
    this.sleeper = b.sleeper != null ? b.sleeper : Sleeper.SYSTEM;
    this.tauMillis = (b.peakEwmaDecay != null ? b.peakEwmaDecay : DEFAULT_PEAK_EWMA_DECAY)
        .toNanos() / 1e6;
    this.removedEndpointGrace = b.removedEndpointGrace != null
        ? b.removedEndpointGrace : DEFAULT_REMOVED_ENDPOINT_GRACE;
    this.healthCheck = b.healthCheck;
    this.scheduledHealthChecks = !b.manualHealthChecks;
    this.timer = b.timer != null ? b.timer
        : b.executor != null ? Timer.of(b.executor) : Timer.shared();
    this.listeners = List.copyOf(b.listeners);
    this.subsetting = b.subsetting;
    this.zoneRouting = b.zoneRouting;
  }

  static String checkServiceName(String serviceName) {
    requireNonNull(serviceName, "serviceName");
    if (serviceName.isBlank()) {
      throw new IllegalArgumentException(
          "serviceName: '" + serviceName + "' (expected: a non-blank name)");
    }
    return serviceName;
  }

  private CircuitBreakerConfig withTicker(CircuitBreakerConfig config) {
    return CircuitBreakerConfig.from(config).clock(new TickerClock(ticker)).build();
  }

  @Nullable CircuitBreaker newBreaker(Endpoint e) {
    return breakerConfig == null
        ? null : CircuitBreaker.of(serviceName + "/" + e.address(), breakerConfig);
  }

  EndpointState newState(Endpoint e) {
    return new EndpointState(e, tauMillis, newBreaker(e));
  }
}
