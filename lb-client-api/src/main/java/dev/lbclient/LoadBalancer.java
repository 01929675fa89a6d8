package dev.lbclient;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
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
 *   pick.success();                            // an exception instead: close() records a failure
 * }
 * }</pre>
 *
 * <p><b>Fault handling.</b> Failing endpoints are ejected ({@link OutlierDetection}), refused by
 * their circuit breaker or marked unhealthy ({@link HealthCheck}) until they recover; below the
 * panic threshold picks spread over all endpoints. {@link #execute} retries within a budget.
 *
 * <p><b>Thread-safety.</b> Thread-safe; share one per service. {@link #pick()} takes no lock and
 * allocates only the lease: it reads one immutable snapshot, so it sees the old list or the new
 * one, never a mix. State changes are applied one at a time under a lock a pick never waits for;
 * timed ones (an ejection ending, a slow-start step) run on time on a shared timer thread whether
 * or not anyone picks. Completing a lease takes no lock unless it changes state, and allocates
 * nothing but Resilience4j's sliding-window entry (about 200 bytes; see {@link
 * Builder#noCircuitBreakers()}).
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

  /** {@link #pick(RequestContext)}, not in {@code avoid} when one is usable: a retry, a hedge. */
  Pick pick(RequestContext context, Collection<Endpoint> avoid);

  /**
   * Picks among the usable endpoints that {@code filter} accepts (gRPC: those with a READY
   * connection): the strategy's choice if accepted, else its next (hash strategies: the next owner
   * in the table, the same in every client). The filter runs on the calling thread; it must be
   * fast and must not block.
   *
   * @throws NoEndpointAvailableException if the filter accepts no usable endpoint
   */
  Pick pick(RequestContext context, Predicate<Endpoint> filter);

  /**
   * Runs {@code call} on a picked endpoint, reports the outcome, and retries on another endpoint
   * while the {@link RetryPolicy} calls the error retryable and attempts and budget remain. Throws
   * the last error with the earlier ones suppressed (and a {@link RetryRefusedException} when the
   * budget refused a retry). With a {@link HedgingPolicy}, slow calls are also hedged (see there).
   *
   * @throws NoEndpointAvailableException if no endpoint could be picked for the first attempt
   * @throws X the call's own exception, when it was not retried or retries ran out
   */
  <T, X extends Exception> T execute(EndpointCall<T, X> call) throws X;

  /** {@link #execute(EndpointCall)} with a request context (for hashing strategies). */
  <T, X extends Exception> T execute(RequestContext context, EndpointCall<T, X> call) throws X;

  /**
   * Takes {@code endpoint} out of rotation for {@code duration} because the server asked for less
   * traffic (HTTP 429 or 503 with {@code Retry-After}): not a failure, no longer later ejections;
   * panic still applies; a longer penalty replaces a shorter one; unknown endpoints are ignored.
   *
   * @throws IllegalArgumentException if duration is negative or longer than 1 hour
   */
  void penalize(Endpoint endpoint, Duration duration);

  /**
   * Turns recording of {@link PickExplanation}s ({@link Pick#explanation()}) on or off: "why did
   * my request go there?". On, each pick allocates its account; off (the default) costs nothing
   * measurable. Applies to picks that start after the call.
   */
  void explainPicks(boolean on);

  /** The retry policy used by {@link #execute(EndpointCall)}. */
  RetryPolicy retryPolicy();

  /** The running retry budget, for integrations that run their own attempts. */
  RetryThrottle retryThrottle();

  /** The running hedging state, for integrations that hedge; null without a policy. */
  @Nullable Hedging hedging();

  /** The current endpoints, in the order the source gave them, duplicates merged. */
  List<Endpoint> endpoints();

  /** Live counters of the current endpoints, in the same order as {@link #endpoints()}. */
  List<EndpointStats> stats();

  /**
   * Registers a receiver of this load balancer's events from now on, first replaying the current
   * state to it alone: {@code onInit}, the current endpoints (as added and as the list), then each
   * ejection, failed health check, non-closed breaker, panic, split and stale source. Delivered
   * in order, after the change, on a timer worker thread (see {@link LoadBalancerListener}).
   *
   * @return a handle whose {@code close()} removes the listener
   */
  LoadBalancerListener.Registration addListener(LoadBalancerListener listener);

  /**
   * Completes with this load balancer once its source delivered a non-empty list (on a timer
   * worker thread); fails with {@link NoEndpointAvailableException} if the source reports an error
   * before its first list, or {@link IllegalStateException} if closed first.
   */
  java.util.concurrent.CompletableFuture<LoadBalancer> whenReady();

  /** Whether the endpoint source's last refresh succeeded; see {@link SourceStatus}. */
  SourceStatus sourceStatus();

  /** Each current endpoint's state (ejected, healthy, breaker, share), in endpoints() order. */
  List<EndpointStatus> status();

  /**
   * Stops the source's refreshes, the health checks and the timers; later picks throw {@link
   * IllegalStateException}, open leases may still complete. Idempotent.
   */
  @Override
  void close();

  /** Configures a {@link LoadBalancer}; each setter checks at once, once only. Not thread-safe. */
  final class Builder extends LbConfig.Draft {
    Builder(String serviceName) {
      super(serviceName);
    }

    /** Where the endpoints come from. Required. */
    public Builder endpoints(EndpointSource source) {
      this.source = once("endpoints", this.source, requireNonNull(source, "source"));
      return this;
    }

    /** The choice of endpoint per call; default {@link Strategy#powerOfTwoChoices()}. */
    public Builder strategy(Strategy strategy) {
      this.strategy = once("strategy", this.strategy, requireNonNull(strategy, "strategy"));
      return this;
    }

    /** The clock for latency and timing; default {@link Ticker#system()}. Tests pass a fake. */
    public Builder ticker(Ticker ticker) {
      this.ticker = once("ticker", this.ticker, requireNonNull(ticker, "ticker"));
      return this;
    }

    /**
     * The time constant of the peak-EWMA latency estimate: how fast old samples fade. Default 10
     * seconds, as in Finagle and Linkerd.
     *
     * @throws IllegalArgumentException unless between 1 ms and 1 hour
     */
    public Builder peakEwmaDecay(Duration decay) {
      this.peakEwmaDecay = once("peakEwmaDecay", peakEwmaDecay, between("peakEwmaDecay",
          requireNonNull(decay, "decay"), Duration.ofMillis(1), Duration.ofHours(1)));
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
      if (grace.isNegative()) {
        throw new IllegalArgumentException(
            "removedEndpointGrace: " + grace + " (expected: zero or positive)");
      }
      this.removedEndpointGrace = once("removedEndpointGrace", removedEndpointGrace, grace);
      return this;
    }

    /** Passive outlier detection; default {@link OutlierDetection#defaults()}. */
    public Builder outlierDetection(OutlierDetection outlierDetection) {
      this.outlierDetection = once("outlierDetection", this.outlierDetection,
          requireNonNull(outlierDetection, "outlierDetection"));
      return this;
    }

    /**
     * One Resilience4j circuit breaker per endpoint, built from {@code config} (its clock is
     * replaced by this load balancer's ticker). Default {@link #defaultCircuitBreakerConfig()}.
     */
    public Builder circuitBreaker(CircuitBreakerConfig config) {
      return breakers(requireNonNull(config, "config"));
    }

    /** No circuit breakers (outlier detection and health checks still apply). */
    public Builder noCircuitBreakers() {
      return breakers(null);
    }

    private Builder breakers(@Nullable CircuitBreakerConfig config) {
      once("circuitBreaker", circuitBreakerSet ? (circuitBreaker == null ? "none"
          : circuitBreaker) : null, this);
      this.circuitBreaker = config;
      this.circuitBreakerSet = true;
      return this;
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
      once("panicThreshold", panicThreshold >= 0 ? panicThreshold : null, this);
      if (percent < 0 || percent > 100) {
        throw new IllegalArgumentException("panicThreshold: " + percent + " (expected: 0..100)");
      }
      this.panicThreshold = percent;
      return this;
    }

    /** In panic, fail picks with {@link NoEndpointAvailableException} instead of balancing. */
    public Builder failOnPanic() {
      this.failOnPanic = once("failOnPanic", failOnPanic ? true : null, true);
      return this;
    }

    /**
     * Runs this load balancer's timers, health-check rounds and event deliveries on {@code
     * executor} instead of the shared {@code lb-client-timer} thread. The executor is not shut
     * down by {@link LoadBalancer#close()}.
     */
    public Builder executor(ScheduledExecutorService executor) {
      this.executor = once("executor", this.executor, requireNonNull(executor, "executor"));
      return this;
    }

    /** Timers on virtual time, for tests. */
    Builder timer(Timer timer) {
      this.timer = once("timer", this.timer, requireNonNull(timer, "timer"));
      return this;
    }

    /** Retries for {@link LoadBalancer#execute}; default {@link RetryPolicy#defaults()}. */
    public Builder retryPolicy(RetryPolicy policy) {
      this.retryPolicy = once("retryPolicy", retryPolicy, requireNonNull(policy, "policy"));
      return this;
    }

    /** Hedged requests (see {@link HedgingPolicy}); off by default. Idempotent calls only. */
    public Builder hedging(HedgingPolicy policy) {
      this.hedging = once("hedging", hedging, requireNonNull(policy, "policy"));
      return this;
    }

    /**
     * Uses only a subset of the source's endpoints, the same for every list the source delivers
     * (chosen before health or ejection count, so a flapping server moves no client): see {@link
     * Subsetting}. Off by default: every endpoint is used.
     */
    public Builder subsetting(Subsetting subsetting) {
      this.subsetting = once("subsetting", this.subsetting,
          requireNonNull(subsetting, "subsetting"));
      return this;
    }

    /**
     * The caller's zone, for Envoy's zone-aware routing: {@code
     * zoneRouting(ZoneRouting.aware(zone))}. Calls stay in this zone while it has the capacity
     * for its share of the clients, and spill over to the other zones only as far as it lacks it.
     * Off by default.
     *
     * @throws IllegalArgumentException if the zone is empty or holds {@code ;}, spaces or non-ASCII
     */
    public Builder zone(String zone) {
      return zoneRouting(ZoneRouting.aware(zone));
    }

    /**
     * How calls prefer the caller's zone: {@link ZoneRouting#aware} or {@link
     * ZoneRouting#preferred}. Applies within each priority level (endpoint attribute {@code
     * priority}, 0 the highest, always honoured). Off by default: zones are ignored.
     */
    public Builder zoneRouting(ZoneRouting routing) {
      this.zoneRouting = once("zone", zoneRouting, requireNonNull(routing, "routing"));
      return this;
    }

    /** Active health checks; none by default. */
    public Builder healthCheck(HealthCheck healthCheck) {
      this.healthCheck = once("healthCheck", this.healthCheck,
          requireNonNull(healthCheck, "healthCheck"));
      return this;
    }

    /** {@link #slowStart(Duration)} over 30 seconds. */
    public Builder slowStart() {
      return slowStart(LbConfig.DEFAULT_SLOW_START);
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
      this.slowStart = once("slowStart", slowStart, between("slowStart",
          requireNonNull(window, "window"), Duration.ofSeconds(1), Duration.ofHours(1)));
      return this;
    }

    /** Adds a receiver of state changes (see {@link LoadBalancer#addListener}); repeatable. */
    public Builder listener(LoadBalancerListener listener) {
      listeners.add(requireNonNull(listener, "listener"));
      return this;
    }

    /** How retries wait their backoff; tests advance a virtual clock instead of sleeping. */
    Builder sleeper(Sleeper sleeper) {
      this.sleeper = once("sleeper", this.sleeper, requireNonNull(sleeper, "sleeper"));
      return this;
    }

    /** Health checks run only when a test calls {@code runHealthChecks()}. */
    Builder manualHealthChecks() {
      manualHealthChecks = true;
      return this;
    }

    /**
     * The circuit breaker defaults: open at 50% failures of the last 20 calls once 10 were
     * recorded; open 10 s; then 3 probe calls. (Resilience4j's own never open below 100 calls.)
     */
    public static CircuitBreakerConfig defaultCircuitBreakerConfig() {
      return LbConfig.DEFAULT_BREAKER;
    }

    /** Seeded randomness for reproducible tests and simulations. */
    Builder rng(RandomGenerator rng) {
      this.rng = once("rng", this.rng, requireNonNull(rng, "rng"));
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
  }
}
