package dev.lbclient.micrometer;

import static java.util.Objects.requireNonNull;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointStats;
import dev.lbclient.Hedging;
import dev.lbclient.LoadBalancer;
import dev.lbclient.LoadBalancerListener;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Publishes a load balancer's state to a Micrometer {@link MeterRegistry}. Bind it to a running
 * load balancer, or add one per load balancer as a listener when building it:
 *
 * <pre>{@code
 * LoadBalancerListener.Registration metrics = LoadBalancerMetrics.bind(orders, registry);
 * // or: LoadBalancer.builder("orders").endpoints(...).listener(LoadBalancerMetrics.of(registry))
 * metrics.close();                      // unbinds and removes the meters
 * }</pre>
 *
 * <p>Per endpoint (tags {@code service} and {@code endpoint}, the endpoint's {@code host:port}):
 * {@code lbclient.requests} (counter, tag {@code outcome} = success or failure), {@code
 * lbclient.requests.latency} (function timer: count and total time), and gauges {@code
 * lbclient.endpoint.in.flight}, {@code lbclient.endpoint.latency.estimate} (peak EWMA, seconds),
 * {@code lbclient.endpoint.ejected} (1 when ejected or penalized), {@code lbclient.endpoint.healthy}
 * and {@code lbclient.endpoint.breaker.state} (0 closed, 1 half-open, 2 open, -1 without breakers).
 * Per service: {@code lbclient.pool.size}, {@code lbclient.pool.usable}, {@code
 * lbclient.source.stale} (1 while the endpoint source fails to refresh) and {@code
 * lbclient.source.failures} (failed refreshes in a row).
 *
 * <p>Meters are read from the load balancer's own counters when the registry is scraped: nothing
 * is done per call. An endpoint's meters are registered when it joins the pool and removed when it
 * leaves, so churn does not grow the registry. Tags are bounded by the pool.
 *
 * <p>Thread-safe. One instance serves one load balancer.
 */
public final class LoadBalancerMetrics implements LoadBalancerListener {
  private final MeterRegistry registry;
  private final Tags extraTags;
  private final Map<String, List<Meter>> endpointMeters = new ConcurrentHashMap<>();
  private final List<Meter> serviceMeters = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile @Nullable LoadBalancer loadBalancer;
  /** Set when a {@link #bind} registration closes: later events register nothing. */
  private boolean unbound;

  private LoadBalancerMetrics(MeterRegistry registry, Tags extraTags) {
    this.registry = registry;
    this.extraTags = extraTags;
  }

  /** Metrics into {@code registry}. */
  public static LoadBalancerMetrics of(MeterRegistry registry) {
    return of(registry, Tags.empty());
  }

  /** Metrics into {@code registry}, with {@code extraTags} on every meter. */
  public static LoadBalancerMetrics of(MeterRegistry registry, Iterable<Tag> extraTags) {
    return new LoadBalancerMetrics(requireNonNull(registry, "registry"),
        Tags.of(requireNonNull(extraTags, "extraTags")));
  }

  /**
   * Publishes the metrics of a running load balancer from now on: its current endpoints' meters
   * are registered at once (on the load balancer's event thread), then follow the pool. Closing the
   * returned registration stops that and removes every meter this binding registered.
   */
  public static LoadBalancerListener.Registration bind(LoadBalancer lb, MeterRegistry registry) {
    requireNonNull(lb, "lb");
    LoadBalancerMetrics metrics = of(registry);
    LoadBalancerListener.Registration registration = lb.addListener(metrics);
    return () -> {
      registration.close();
      metrics.removeAll();
    };
  }

  /** Removes every meter and ignores events still on their way (a replay queued before). */
  private synchronized void removeAll() {
    unbound = true;
    serviceMeters.forEach(registry::remove);
    serviceMeters.clear();
    for (String address : List.copyOf(endpointMeters.keySet())) {
      List<Meter> meters = endpointMeters.remove(address);
      if (meters != null) {
        meters.forEach(registry::remove);
      }
    }
  }

  /**
   * Registers the per-service meters.
   *
   * @throws IllegalStateException if this instance already serves a load balancer
   */
  @Override
  public synchronized void onInit(LoadBalancer lb) {
    requireNonNull(lb, "lb");
    if (unbound) {
      return;
    }
    if (loadBalancer != null) {
      throw new IllegalStateException("LoadBalancerMetrics already serves "
          + loadBalancer.serviceName() + "; create one per load balancer");
    }
    loadBalancer = lb;
    Tags tags = extraTags.and("service", lb.serviceName());
    serviceMeters.add(Gauge.builder("lbclient.pool.size", lb, l -> l.endpoints().size())
        .tags(tags).description("Endpoints in the pool").strongReference(true).register(registry));
    serviceMeters.add(Gauge.builder("lbclient.pool.usable", lb, LoadBalancerMetrics::usable)
        .tags(tags).description("Endpoints neither ejected, unhealthy nor breaker-open")
        .strongReference(true).register(registry));
    serviceMeters.add(Gauge.builder("lbclient.source.stale", lb,
            l -> l.sourceStatus().isStale() ? 1 : 0)
        .tags(tags).description("1 while the endpoint source fails to refresh")
        .strongReference(true).register(registry));
    serviceMeters.add(Gauge.builder("lbclient.source.failures", lb,
            l -> l.sourceStatus().consecutiveFailures())
        .tags(tags).description("Failed endpoint source refreshes in a row")
        .strongReference(true).register(registry));
    Hedging hedging = lb.hedging();
    if (hedging != null) {
      serviceMeters.add(FunctionCounter.builder("lbclient.hedges", hedging,
              Hedging::hedgesAllowed)
          .tags(tags.and("result", "sent")).description("Hedged attempts the budget allowed")
          .register(registry));
      serviceMeters.add(FunctionCounter.builder("lbclient.hedges", hedging,
              Hedging::hedgesRefused)
          .tags(tags.and("result", "refused")).description("Hedges the budget refused")
          .register(registry));
      serviceMeters.add(FunctionCounter.builder("lbclient.hedges", hedging,
              Hedging::hedgesWon)
          .tags(tags.and("result", "won")).description("Calls a hedge answered first")
          .register(registry));
    }
  }

  private static double usable(LoadBalancer lb) {
    int n = 0;
    for (EndpointStats s : lb.stats()) {
      if (!s.isEjected() && s.isHealthy() && s.breakerState() != CircuitBreaker.State.OPEN) {
        n++;
      }
    }
    return n;
  }

  @Override
  public synchronized void onEndpointsChanged(String service, List<Endpoint> added,
      List<Endpoint> removed) {
    LoadBalancer lb = loadBalancer;
    if (lb == null || unbound) {
      return;
    }
    for (Endpoint e : removed) {
      List<Meter> meters = endpointMeters.remove(e.address());
      if (meters != null) {
        meters.forEach(registry::remove);
      }
    }
    if (added.isEmpty()) {
      return;
    }
    for (EndpointStats s : lb.stats()) {
      for (Endpoint e : added) {
        if (s.endpoint().sameAddress(e) && !endpointMeters.containsKey(e.address())) {
          endpointMeters.put(e.address(), register(service, s));
        }
      }
    }
  }

  private List<Meter> register(String service, EndpointStats s) {
    Tags tags = extraTags.and("service", service, "endpoint", s.endpoint().address());
    List<Meter> meters = new ArrayList<>(8);
    meters.add(FunctionCounter.builder("lbclient.requests", s, EndpointStats::successes)
        .tags(tags.and("outcome", "success")).description("Calls completed").register(registry));
    meters.add(FunctionCounter.builder("lbclient.requests", s, EndpointStats::failures)
        .tags(tags.and("outcome", "failure")).description("Calls completed").register(registry));
    meters.add(FunctionTimer.builder("lbclient.requests.latency", s,
            x -> x.successes() + x.failures(), EndpointStats::totalLatencyNanos,
            TimeUnit.NANOSECONDS)
        .tags(tags).description("Latency of completed calls").register(registry));
    meters.add(gauge("lbclient.endpoint.in.flight", s, EndpointStats::inFlight, tags,
        "Calls in flight"));
    meters.add(gauge("lbclient.endpoint.latency.estimate", s,
        x -> x.latencyEstimateNanos() / 1e9, tags, "Peak-EWMA latency estimate, seconds"));
    meters.add(gauge("lbclient.endpoint.ejected", s, x -> x.isEjected() ? 1 : 0, tags,
        "1 when ejected or penalized"));
    meters.add(gauge("lbclient.endpoint.healthy", s, x -> x.isHealthy() ? 1 : 0, tags,
        "1 when passing active health checks"));
    meters.add(gauge("lbclient.endpoint.breaker.state", s, LoadBalancerMetrics::breakerCode, tags,
        "0 closed, 1 half-open, 2 open, -1 no breaker"));
    return meters;
  }

  private Gauge gauge(String name, EndpointStats s, ToDoubleFunction<EndpointStats> f, Tags tags,
      String description) {
    return Gauge.builder(name, s, f).tags(tags).description(description).strongReference(true)
        .register(registry);
  }

  private static double breakerCode(EndpointStats s) {
    CircuitBreaker.State state = s.breakerState();
    if (state == null) {
      return -1;
    }
    switch (state) {
      case CLOSED:
        return 0;
      case HALF_OPEN:
        return 1;
      default:
        return 2;
    }
  }

  /** Endpoints with meters right now (for tests and diagnostics). */
  int endpointsWithMeters() {
    return endpointMeters.size();
  }
}
