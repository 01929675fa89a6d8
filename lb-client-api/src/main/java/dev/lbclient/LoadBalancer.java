package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
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
 * <p><b>Thread-safety.</b> A load balancer is thread-safe and meant to be shared by every thread
 * that calls the service. {@link #pick()} takes no lock and allocates nothing but the returned
 * lease; endpoint list updates are applied one at a time and published atomically, so a pick sees
 * either the old list or the new one, never a mix.
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

  /** The current endpoints, in the order the source gave them, duplicates merged. */
  List<Endpoint> endpoints();

  /** Live counters of the current endpoints, in the same order as {@link #endpoints()}. */
  List<EndpointStats> stats();

  /** Whether the endpoint source's last refresh succeeded; see {@link SourceStatus}. */
  SourceStatus sourceStatus();

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

    final String serviceName;
    @Nullable EndpointSource source;
    @Nullable Strategy strategy;
    @Nullable Ticker ticker;
    @Nullable Duration peakEwmaDecay;
    @Nullable Duration removedEndpointGrace;
    @Nullable Rng rng;

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
