package dev.lbclient;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Chooses a server of one service for each call, in-process.
 *
 * <pre>{@code
 * LoadBalancer orders = LoadBalancer.builder("orders")
 *     .endpoints(EndpointSource.of("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080"))
 *     .strategy(Strategy.leastTime())           // default: Strategy.powerOfTwoChoices()
 *     .build();
 *
 * try (Pick pick = orders.pick()) {
 *   callSomething(pick.endpoint());
 *   pick.success();
 * }
 * }</pre>
 *
 * <p><b>Fault handling.</b> Endpoints that fail are ejected by {@link OutlierDetection}, refused
 * by their own circuit breaker, or marked unhealthy by an optional {@link HealthCheck}; picks avoid
 * them until they recover. When fewer than the panic threshold (50%) are usable, picks spread over
 * all endpoints rather than crush the few left. {@link #execute(EndpointCall)} adds retries on
 * other endpoints within a {@link RetryBudget}.
 *
 * <p><b>Thread-safety.</b> A load balancer is thread-safe and meant to be shared by every thread
 * that calls the service. {@link #pick()} takes no lock and allocates nothing but the returned
 * lease; endpoint list updates are applied one at a time and published atomically, so a pick sees
 * either the old list or the new one, never a mix. State changes (an ejection, a re-admission, a
 * breaker transition) rebuild the picker under a lock that a pick never waits for. Completing a
 * lease takes no lock either (unless it changes state: an ejection, a breaker transition) and
 * allocates nothing, except inside Resilience4j when circuit breakers are on: its lock-free
 * sliding window allocates about 200 bytes per recorded outcome. {@link
 * Builder#noCircuitBreakers()} avoids that; outlier detection is allocation-free.
 */
public interface LoadBalancer extends AutoCloseable {

  /**
   * Starts building a load balancer for the service with this logical name (used in messages,
   * logs and metrics, and by the OkHttp and gRPC integrations to match requests).
   *
   * @throws IllegalArgumentException if the name is blank
   */
  static Builder builder(String serviceName) {
    return new Builder(serviceName);
  }

  /** The logical service name given to the builder. */
  String serviceName();

  /** The strategy in use. */
  Strategy strategy();

  /** Picks an endpoint for a call that has no affinity key; see {@link #pick(RequestContext)}. */
  Pick pick();

  /**
   * Picks an endpoint for one call and returns the lease on it; report the outcome on the lease.
   *
   * @throws NoEndpointAvailableException if there is no endpoint to pick, at once and without I/O
   * @throws IllegalStateException if this load balancer is closed
   */
  Pick pick(RequestContext context);

  /**
   * Picks an endpoint not in {@code avoid} when one is usable, otherwise any usable one: for a
   * retry that should go elsewhere. Same contract as {@link #pick(RequestContext)}.
   */
  Pick pick(RequestContext context, Collection<Endpoint> avoid);

  /**
   * Picks among the usable endpoints that {@code filter} accepts, for integrations that can only
   * use some of them at a given moment (gRPC: those with a READY connection). The strategy's
   * choice is kept when the filter accepts it (tried a few times); otherwise the first accepted
   * endpoint from a random offset is taken. Runs the filter on the calling thread; it must be
   * fast and must not block.
   *
   * @throws NoEndpointAvailableException if the filter accepts no usable endpoint
   */
  Pick pick(RequestContext context, Predicate<Endpoint> filter);

  /**
   * Runs {@code call} on a picked endpoint, reports the outcome, and retries on another endpoint
   * when the {@link RetryPolicy}'s classifier says the error is retryable, attempts remain and the
   * budget allows. Returns the first successful result; otherwise throws the last error, with the
   * earlier attempts' errors attached as suppressed exceptions (and a {@link
   * RetryRefusedException} when the budget refused a retry).
   *
   * @throws NoEndpointAvailableException if no endpoint could be picked for the first attempt
   * @throws X the call's own exception, when it was not retried or retries ran out
   */
  <T, X extends Exception> T execute(EndpointCall<T, X> call) throws X;

  /** {@link #execute(EndpointCall)} with a request context (for hashing strategies). */
  <T, X extends Exception> T execute(RequestContext context, EndpointCall<T, X> call) throws X;

  /**
   * Takes {@code endpoint} out of rotation for {@code duration} because the server asked for less
   * traffic (for example HTTP 429 or 503 with {@code Retry-After}). Unlike an ejection this does
   * not count as a failure and does not lengthen later ejections; panic still applies. A longer
   * penalty replaces a shorter one. Unknown endpoints are ignored.
   *
   * @throws IllegalArgumentException if duration is negative or longer than 1 hour
   */
  void penalize(Endpoint endpoint, Duration duration);

  /**
   * Turns recording of {@link PickExplanation}s on or off, for the moment someone asks "why did
   * my request go there?". While on, every pick records the strategy's account of its choice and
   * the endpoints it skipped ({@link Pick#explanation()}), which costs some allocation per pick;
   * while off (the default) it costs nothing measurable. Takes effect for picks that start after
   * the call, from any thread.
   */
  void explainPicks(boolean on);

  /** The retry policy used by {@link #execute(EndpointCall)}. */
  RetryPolicy retryPolicy();

  /** The running retry budget, for integrations that run their own attempts. */
  RetryThrottle retryThrottle();

  /** The current endpoints, in the order the source gave them, duplicates merged. */
  List<Endpoint> endpoints();

  /** Live counters of the current endpoints, in the same order as {@link #endpoints()}. */
  List<EndpointStats> stats();

  /** Whether the endpoint source's last refresh succeeded; see {@link SourceStatus}. */
  SourceStatus sourceStatus();

  /** Each current endpoint's state (ejected, healthy, breaker), in {@link #endpoints()} order. */
  List<EndpointStatus> status();

  /**
   * Stops the endpoint source's refreshes. Picks afterwards throw {@link IllegalStateException};
   * leases already handed out may still be completed. Idempotent.
   */
  @Override
  void close();

  /**
   * Configures a {@link LoadBalancer}. Each setter checks its argument at once; each may be called
   * once. Not thread-safe: use one builder from one thread.
   */
  final class Builder {
    static final Duration DEFAULT_PEAK_EWMA_DECAY = Duration.ofSeconds(10);
    static final Duration DEFAULT_REMOVED_ENDPOINT_GRACE = Duration.ofMinutes(5);
    static final Duration DEFAULT_SLOW_START = Duration.ofSeconds(30);
    static final int DEFAULT_PANIC_THRESHOLD = 50;

    final String serviceName;
    @Nullable EndpointSource source;
    @Nullable Strategy strategy;
    @Nullable Ticker ticker;
    @Nullable Duration peakEwmaDecay;
    @Nullable Duration removedEndpointGrace;
    @Nullable Rng rng;
    @Nullable OutlierDetection outlierDetection;
    @Nullable CircuitBreakerConfig circuitBreaker;
    boolean circuitBreakerSet;
    int panicThreshold = -1;
    boolean failOnPanic;
    @Nullable RetryPolicy retryPolicy;
    @Nullable HealthCheck healthCheck;
    @Nullable Duration slowStart;
    final java.util.List<LoadBalancerListener> listeners = new java.util.ArrayList<>();
    @Nullable Sleeper sleeper;
    boolean manualHealthChecks;

    Builder(String serviceName) {
      requireNonNull(serviceName, "serviceName");
      if (serviceName.isBlank()) {
        throw new IllegalArgumentException(
            "serviceName: '" + serviceName + "' (expected: a non-blank name)");
      }
      this.serviceName = serviceName;
    }

    /** Where the endpoints come from. Required. */
    public Builder endpoints(EndpointSource source) {
      requireNonNull(source, "source");
      checkUnset("endpoints", this.source);
      this.source = source;
      return this;
    }

    /** The choice of endpoint per call; default {@link Strategy#powerOfTwoChoices()}. */
    public Builder strategy(Strategy strategy) {
      requireNonNull(strategy, "strategy");
      checkUnset("strategy", this.strategy);
      this.strategy = strategy;
      return this;
    }

    /** The clock for latency and timing; default {@link Ticker#system()}. Tests pass a fake. */
    public Builder ticker(Ticker ticker) {
      requireNonNull(ticker, "ticker");
      checkUnset("ticker", this.ticker);
      this.ticker = ticker;
      return this;
    }

    /**
     * The time constant of the peak-EWMA latency estimate: how fast old samples fade. Default 10
     * seconds, as in Finagle and Linkerd.
     *
     * @throws IllegalArgumentException unless between 1 ms and 1 hour
     */
    public Builder peakEwmaDecay(Duration decay) {
      requireNonNull(decay, "decay");
      checkUnset("peakEwmaDecay", this.peakEwmaDecay);
      if (decay.compareTo(Duration.ofMillis(1)) < 0 || decay.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException(
            "peakEwmaDecay: " + decay + " (expected: PT0.001S..PT1H)");
      }
      this.peakEwmaDecay = decay;
      return this;
    }

    /**
     * How long the state of an endpoint that left the list (counters, latency, health) is kept in
     * case it comes back. Default 5 minutes, the longest default ejection; at most {@value
     * ServerPool#MAX_REMEMBERED} endpoints are remembered.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder removedEndpointGrace(Duration grace) {
      requireNonNull(grace, "grace");
      checkUnset("removedEndpointGrace", this.removedEndpointGrace);
      if (grace.isNegative()) {
        throw new IllegalArgumentException(
            "removedEndpointGrace: " + grace + " (expected: zero or positive)");
      }
      this.removedEndpointGrace = grace;
      return this;
    }

    /** Passive outlier detection; default {@link OutlierDetection#defaults()}. */
    public Builder outlierDetection(OutlierDetection outlierDetection) {
      requireNonNull(outlierDetection, "outlierDetection");
      checkUnset("outlierDetection", this.outlierDetection);
      this.outlierDetection = outlierDetection;
      return this;
    }

    /**
     * One Resilience4j circuit breaker per endpoint, built from {@code config} (its clock is
     * replaced by this load balancer's ticker). Default {@link #defaultCircuitBreakerConfig()}.
     */
    public Builder circuitBreaker(CircuitBreakerConfig config) {
      requireNonNull(config, "config");
      checkBreakerUnset();
      this.circuitBreaker = config;
      this.circuitBreakerSet = true;
      return this;
    }

    /** No circuit breakers (outlier detection and health checks still apply). */
    public Builder noCircuitBreakers() {
      checkBreakerUnset();
      this.circuitBreakerSet = true;
      return this;
    }

    private void checkBreakerUnset() {
      if (circuitBreakerSet) {
        throw new IllegalStateException("circuitBreaker was already set to "
            + (circuitBreaker == null ? "none" : circuitBreaker.toString()));
      }
    }

    /**
     * Below this percentage of usable endpoints the load balancer is in <em>panic</em>: it
     * balances over all endpoints, ejected, unhealthy and breaker-open ones included (a breaker's
     * refusal then does not move the call), rather than overload the few left (Envoy's
     * behaviour), or fails fast after {@link #failOnPanic()}. Default 50; 0
     * turns panic off (only usable endpoints are ever picked; none usable fails fast).
     *
     * @throws IllegalArgumentException if outside 0..100
     */
    public Builder panicThreshold(int percent) {
      if (panicThreshold >= 0) {
        throw new IllegalStateException("panicThreshold was already set to " + panicThreshold);
      }
      if (percent < 0 || percent > 100) {
        throw new IllegalArgumentException("panicThreshold: " + percent + " (expected: 0..100)");
      }
      this.panicThreshold = percent;
      return this;
    }

    /** In panic, fail picks with {@link NoEndpointAvailableException} instead of balancing. */
    public Builder failOnPanic() {
      this.failOnPanic = true;
      return this;
    }

    /** Retries for {@link LoadBalancer#execute}; default {@link RetryPolicy#defaults()}. */
    public Builder retryPolicy(RetryPolicy policy) {
      requireNonNull(policy, "policy");
      checkUnset("retryPolicy", this.retryPolicy);
      this.retryPolicy = policy;
      return this;
    }

    /** Active health checks; none by default. */
    public Builder healthCheck(HealthCheck healthCheck) {
      requireNonNull(healthCheck, "healthCheck");
      checkUnset("healthCheck", this.healthCheck);
      this.healthCheck = healthCheck;
      return this;
    }

    /** {@link #slowStart(Duration)} over 30 seconds. */
    public Builder slowStart() {
      return slowStart(DEFAULT_SLOW_START);
    }

    /**
     * Slow start: an endpoint that joins the pool after the first list, or comes back after an
     * ejection, failed health checks or an open breaker, gets a share that ramps linearly from
     * 10% to 100% of its normal share over {@code window} (as Envoy's, with aggression 1). Applies
     * to every strategy but the hash ones, where moving keys would break affinity: a weight factor
     * for weighted and round-robin strategies, a load factor for least-x and power of two
     * choices. Off by default.
     *
     * @throws IllegalArgumentException unless between 1 second and 1 hour
     */
    public Builder slowStart(Duration window) {
      requireNonNull(window, "window");
      checkUnset("slowStart", this.slowStart);
      if (window.compareTo(Duration.ofSeconds(1)) < 0
          || window.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("slowStart: " + window + " (expected: PT1S..PT1H)");
      }
      this.slowStart = window;
      return this;
    }

    /**
     * Adds a receiver of state changes; none by default. May be called several times: every
     * listener gets every event, in the order they were added.
     */
    public Builder listener(LoadBalancerListener listener) {
      listeners.add(requireNonNull(listener, "listener"));
      return this;
    }

    /** How retries wait their backoff; tests advance a virtual clock instead of sleeping. */
    Builder sleeper(Sleeper sleeper) {
      this.sleeper = requireNonNull(sleeper, "sleeper");
      return this;
    }

    /** Health checks run only when a test calls {@code runHealthChecks()}. */
    Builder manualHealthChecks() {
      this.manualHealthChecks = true;
      return this;
    }

    /**
     * The circuit breaker defaults: open when at least 50% of the last 20 calls failed, once 10
     * calls were recorded; stay open 10 s; then let 3 probe calls through. Resilience4j's own
     * defaults never open below 100 calls, which one endpoint of a pool may take minutes to see;
     * these open within seconds at a few calls per second and still ignore one-off errors.
     */
    public static CircuitBreakerConfig defaultCircuitBreakerConfig() {
      return DefaultLoadBalancer.DEFAULT_BREAKER;
    }

    /** Seeded randomness for reproducible tests and simulations. */
    Builder rng(Rng rng) {
      checkUnset("rng", this.rng);
      this.rng = requireNonNull(rng, "rng");
      return this;
    }

    /**
     * Builds and starts the load balancer: subscribes to the endpoint source (a static source
     * delivers its list before this returns).
     *
     * @throws IllegalStateException if {@link #endpoints(EndpointSource)} was not called
     */
    public LoadBalancer build() {
      if (source == null) {
        throw new IllegalStateException(
            "endpoints: not set (call endpoints(EndpointSource) before build())");
      }
      return DefaultLoadBalancer.start(this);
    }

    private static void checkUnset(String setting, @Nullable Object current) {
      if (current != null) {
        throw new IllegalStateException(setting + " was already set to " + current);
      }
    }
  }
}
