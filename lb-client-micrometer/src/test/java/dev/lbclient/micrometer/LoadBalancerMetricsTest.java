package dev.lbclient.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.Hedging;
import dev.lbclient.HedgingPolicy;
import dev.lbclient.LoadBalancer;
import dev.lbclient.LoadBalancerListener;
import dev.lbclient.MutableEndpointSource;
import dev.lbclient.Pick;
import dev.lbclient.RequestContext;
import dev.lbclient.Strategy;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LoadBalancerMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  /**
   * Waits until the events queued so far reached the listeners: events are delivered in order on
   * the load balancer's event thread, and a listener added now is told onInit after all of them.
   */
  private static void awaitEvents(LoadBalancer lb) throws Exception {
    CompletableFuture<Void> reached = new CompletableFuture<>();
    LoadBalancerListener.Registration r = lb.addListener(new LoadBalancerListener() {
      @Override
      public void onInit(LoadBalancer loadBalancer) {
        reached.complete(null);
      }
    });
    reached.get(30, TimeUnit.SECONDS);
    r.close();
  }

  @Test
  void bind_runningLoadBalancer_registersMeters_closeRemovesThem() throws Exception {
    MutableEndpointSource source = EndpointSource.mutable(
        Endpoint.of("10.0.0.1", 80), Endpoint.of("10.0.0.2", 80));
    LoadBalancer lb = LoadBalancer.builder("orders").endpoints(source).build();
    lb.pick().success();

    LoadBalancerListener.Registration metrics = LoadBalancerMetrics.bind(lb, registry);
    awaitEvents(lb);

    assertThat(registry.get("lbclient.pool.size").tags("service", "orders").gauge().value())
        .isEqualTo(2);
    assertThat(registry.find("lbclient.endpoint.in.flight").gauges()).hasSize(2);
    assertThat(registry.get("lbclient.requests").tags("outcome", "success").functionCounters()
        .stream().mapToDouble(c -> c.count()).sum()).isEqualTo(1);

    source.set(Endpoint.of("10.0.0.2", 80), Endpoint.of("10.0.0.3", 80), Endpoint.of("10.0.0.4", 80));
    awaitEvents(lb);
    assertThat(registry.find("lbclient.endpoint.in.flight").gauges()).hasSize(3);

    metrics.close();
    assertThat(registry.getMeters()).isEmpty();
    source.set(Endpoint.of("10.0.0.5", 80));
    awaitEvents(lb);
    assertThat(registry.getMeters()).isEmpty();
    lb.close();
  }

  /** The replay of a bind arrives on the event thread; closing first must leave no meter. */
  @Test
  void bind_closedBeforeItsReplayArrives_leavesNoMeter() throws Exception {
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:80", "10.0.0.2:80")).build();
    for (int i = 0; i < 50; i++) {
      LoadBalancerMetrics.bind(lb, registry).close();
    }
    awaitEvents(lb);

    assertThat(registry.getMeters()).isEmpty();
    lb.close();
  }

  @Test
  void meters_followTheLoadBalancersCounters() throws Exception {
    AtomicLong nanos = new AtomicLong();
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:80", "10.0.0.2:80"))
        .strategy(Strategy.roundRobin())
        .ticker(nanos::get)
        .listener(LoadBalancerMetrics.of(registry))
        .build();
    awaitEvents(lb);
    Endpoint one = Endpoint.of("10.0.0.1", 80);
    for (int i = 0; i < 3; i++) {
      try (Pick p = lb.pick(RequestContext.none(), e -> e.sameAddress(one))) {
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(10));
        p.success();
      }
    }
    try (Pick p = lb.pick(RequestContext.none(), e -> e.sameAddress(one))) {
      p.failure(new IOException("down"));
    }
    Pick held = lb.pick(RequestContext.none(), e -> e.sameAddress(one));
    assertThat(registry.get("lbclient.requests").tags("endpoint", "10.0.0.1:80", "outcome",
        "success").functionCounter().count()).isEqualTo(3);
    assertThat(registry.get("lbclient.requests").tags("endpoint", "10.0.0.1:80", "outcome",
        "failure").functionCounter().count()).isEqualTo(1);
    FunctionTimer latency = registry.get("lbclient.requests.latency")
        .tags("service", "orders", "endpoint", "10.0.0.1:80").functionTimer();
    assertThat(latency.count()).isEqualTo(4);
    assertThat(latency.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(30);
    assertThat(registry.get("lbclient.endpoint.in.flight").tags("endpoint", "10.0.0.1:80")
        .gauge().value()).isEqualTo(1);
    assertThat(registry.get("lbclient.endpoint.breaker.state").tags("endpoint", "10.0.0.1:80")
        .gauge().value()).isEqualTo(0);
    assertThat(registry.get("lbclient.pool.size").tags("service", "orders").gauge().value())
        .isEqualTo(2);
    assertThat(registry.get("lbclient.pool.usable").gauge().value()).isEqualTo(2);
    assertThat(registry.get("lbclient.source.stale").gauge().value()).isEqualTo(0);
    held.close();
  }

  @Test
  void hedges_countedAsSentAndRefused_onlyWithHedging() throws Exception {
    LoadBalancer plain = LoadBalancer.builder("plain")
        .endpoints(EndpointSource.of("10.0.0.1:80"))
        .listener(LoadBalancerMetrics.of(registry))
        .build();
    LoadBalancer hedged = LoadBalancer.builder("hedged")
        .endpoints(EndpointSource.of("10.0.0.1:80", "10.0.0.2:80"))
        .hedging(HedgingPolicy.builder().delay(Duration.ofMillis(10)).build())
        .listener(LoadBalancerMetrics.of(registry))
        .build();
    awaitEvents(plain);
    awaitEvents(hedged);
    Hedging h = hedged.hedging();
    assertThat(h).isNotNull();
    for (int i = 0; i < 20; i++) {
      h.onRequest();
    }
    // 5% of 20 requests: one hedge allowed, the next refused.
    assertThat(h.tryHedge(1)).isTrue();
    assertThat(h.tryHedge(1)).isFalse();
    h.onHedgeWon();

    assertThat(registry.get("lbclient.hedges").tags("service", "hedged", "result", "sent")
        .functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("lbclient.hedges").tags("service", "hedged", "result", "refused")
        .functionCounter().count()).isEqualTo(1);
    assertThat(registry.get("lbclient.hedges").tags("service", "hedged", "result", "won")
        .functionCounter().count()).isEqualTo(1);
    assertThat(registry.find("lbclient.hedges").tags("service", "plain").meters()).isEmpty();
    plain.close();
    hedged.close();
  }

  @Test
  void meters_tenThousandEndpointReplacements_noLeak() throws Exception {
    MutableEndpointSource source = EndpointSource.mutable(
        Endpoint.of("10.0.0.1", 80), Endpoint.of("10.0.0.2", 80), Endpoint.of("10.0.0.3", 80));
    LoadBalancerMetrics metrics = LoadBalancerMetrics.of(registry);
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(source)
        .listener(metrics)
        .build();
    awaitEvents(lb);
    int before = registry.getMeters().size();
    for (int i = 0; i < 10_000; i++) {
      int b = i / 250;
      int c = i % 250;
      source.set(List.of(Endpoint.of("10.0.0.1", 80), Endpoint.of("10.0.0.2", 80),
          Endpoint.of("10.1." + b + "." + c, 8080)));
      try (Pick p = lb.pick()) {
        p.success();
      }
    }
    awaitEvents(lb);
    assertThat(registry.getMeters()).hasSize(before);
    assertThat(metrics.endpointsWithMeters()).isEqualTo(3);
    assertThat(registry.find("lbclient.endpoint.in.flight").gauges()).hasSize(3);
  }

  @Test
  void oneInstance_twoLoadBalancers_rejected() {
    LoadBalancerMetrics metrics = LoadBalancerMetrics.of(registry);
    LoadBalancer.builder("orders").endpoints(EndpointSource.of("10.0.0.1:80"))
        .listener(metrics).build();
    assertThatThrownBy(() -> metrics.onInit(LoadBalancer.builder("users")
            .endpoints(EndpointSource.of("10.0.0.1:80")).build()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("LoadBalancerMetrics already serves orders; create one per load balancer");
  }
}
