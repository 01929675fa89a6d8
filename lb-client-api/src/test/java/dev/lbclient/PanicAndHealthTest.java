package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Active health checks, run by hand, and the panic threshold they can push the pool below. */
class PanicAndHealthTest {
  private static final String[] FOUR = {"10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80"};

  private final VirtualClock clock = new VirtualClock();
  /** Endpoints whose probe fails. */
  private final Set<String> down = ConcurrentHashMap.newKeySet();
  private final HealthChecker checker =
      e -> CompletableFuture.completedFuture(!down.contains(e.address()));
  private final List<String> events = new ArrayList<>();

  private DefaultLoadBalancer build(LoadBalancer.Builder b) {
    return (DefaultLoadBalancer) b
        .strategy(Strategy.roundRobin())
        .healthCheck(HealthCheck.builder(checker).unhealthyThreshold(3).healthyThreshold(2).build())
        .manualHealthChecks()
        .ticker(clock)
        .timer(clock)
        .listener(new LoadBalancerListener() {
          @Override
          public void onHealthChanged(String service, Endpoint endpoint, boolean healthy) {
            events.add(endpoint.address() + (healthy ? " healthy" : " unhealthy"));
          }

          @Override
          public void onPanic(String service, boolean panic, int usable, int total) {
            events.add((panic ? "panic " : "calm ") + usable + "/" + total);
          }
        })
        .build();
  }

  private DefaultLoadBalancer four() {
    return build(LoadBalancer.builder("orders").endpoints(EndpointSource.of(FOUR)));
  }

  private static void rounds(DefaultLoadBalancer lb, int n) {
    for (int i = 0; i < n; i++) {
      lb.healthChecks().runRound().join();
    }
  }

  private static Map<String, Integer> distribution(LoadBalancer lb, int picks) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      Pick pick = lb.pick();
      counts.merge(pick.endpoint().address(), 1, Integer::sum);
      pick.cancel();
    }
    return counts;
  }

  @Test
  void health_unhealthyAfterThreeFailedProbes_healthyAfterTwoGood() {
    DefaultLoadBalancer lb = four();
    down.add("10.0.0.1:80");
    rounds(lb, 2);
    assertThat(lb.status().get(0).isHealthy()).isTrue();
    rounds(lb, 1);
    assertThat(lb.status().get(0).isHealthy()).isFalse();
    assertThat(distribution(lb, 30)).doesNotContainKey("10.0.0.1:80").hasSize(3);
    down.clear();
    rounds(lb, 1);
    assertThat(lb.status().get(0).isHealthy()).isFalse();
    rounds(lb, 1);
    assertThat(lb.status().get(0).isHealthy()).isTrue();
    assertThat(distribution(lb, 30)).containsKey("10.0.0.1:80");
    assertThat(events).containsExactly("10.0.0.1:80 unhealthy", "10.0.0.1:80 healthy");
  }

  @Test
  void health_probeThatThrowsOrTimesOut_countsAsFailed() {
    HealthChecker broken = e -> e.port() == 81
        ? CompletableFuture.failedFuture(new IOException("refused"))
        : new CompletableFuture<>(); // never completes: the 50 ms timeout fails it
    DefaultLoadBalancer lb = (DefaultLoadBalancer) LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:81", "10.0.0.2:82"))
        .healthCheck(HealthCheck.builder(broken).timeout(Duration.ofMillis(50))
            .unhealthyThreshold(1).build())
        .manualHealthChecks()
        .panicThreshold(0)
        .build();
    lb.healthChecks().runRound().join();
    assertThat(lb.status()).extracting(EndpointStatus::isHealthy).containsExactly(false, false);
  }

  @Test
  void tcpChecker_openPortHealthy_closedPortNot() throws Exception {
    try (ServerSocket open = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int closedPort;
      try (ServerSocket closed = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
        closedPort = closed.getLocalPort();
      }
      HealthChecker tcp = HealthChecker.tcp();
      assertThat(tcp.check(Endpoint.of("127.0.0.1", open.getLocalPort()))
          .toCompletableFuture().get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(tcp.check(Endpoint.of("127.0.0.1", closedPort)).toCompletableFuture()
          .handle((ok, error) -> error != null || !ok).get(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void panic_belowHalfUsable_balancesOverAll() {
    DefaultLoadBalancer lb = four();
    down.addAll(List.of("10.0.0.1:80", "10.0.0.2:80"));
    rounds(lb, 3);
    assertThat(distribution(lb, 40)).as("2 of 4 usable: 50%%, not below").hasSize(2);
    down.add("10.0.0.3:80");
    rounds(lb, 3);
    Map<String, Integer> panic = distribution(lb, 40);
    assertThat(panic).hasSize(4).allSatisfy((address, count) -> assertThat(count).isEqualTo(10));
    assertThat(events).contains("panic 1/4");
    down.clear();
    rounds(lb, 2);
    assertThat(events).containsSubsequence("panic 1/4", "10.0.0.1:80 healthy", "calm 2/4");
  }

  @Test
  void panic_failOnPanic_failsFastWithStates() {
    DefaultLoadBalancer lb = build(LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(FOUR)).failOnPanic());
    down.addAll(List.of("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"));
    rounds(lb, 3);
    assertThatThrownBy(lb::pick)
        .isInstanceOf(NoEndpointAvailableException.class)
        .hasMessage("no endpoint available for orders: only 1 of 4 endpoints usable, below the "
            + "panic threshold of 50%: [10.0.0.1:80 unhealthy, 10.0.0.2:80 unhealthy, "
            + "10.0.0.3:80 unhealthy, 10.0.0.4:80 usable]");
  }

  @Test
  void panic_thresholdZero_usesOnlyHealthy_andFailsWhenNoneAre() {
    DefaultLoadBalancer lb = build(LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(FOUR)).panicThreshold(0));
    down.addAll(List.of("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"));
    rounds(lb, 3);
    assertThat(distribution(lb, 10)).containsOnlyKeys("10.0.0.4:80");
    down.add("10.0.0.4:80");
    rounds(lb, 3);
    assertThatThrownBy(lb::pick)
        .isInstanceOf(NoEndpointAvailableException.class)
        .hasMessageStartingWith("no endpoint available for orders: all 4 endpoints are unusable");
  }

  @Test
  void healthChecks_runOnTheTimer_noThreadOfTheirOwn_stopOnClose() {
    java.util.concurrent.atomic.AtomicInteger probes = new java.util.concurrent.atomic.AtomicInteger();
    HealthChecker counting = e -> {
      probes.incrementAndGet();
      return CompletableFuture.completedFuture(true);
    };
    LoadBalancer lb = LoadBalancer.builder("health-timer-test")
        .endpoints(EndpointSource.of("127.0.0.1:9", "127.0.0.1:10"))
        .healthCheck(HealthCheck.builder(counting).interval(Duration.ofSeconds(5)).build())
        .ticker(clock)
        .timer(clock)
        .build();
    assertThat(threadNamed("lb-client-health-health-timer-test")).isFalse();
    clock.advance(Duration.ofSeconds(5)); // the first round starts within one interval
    assertThat(probes.get()).isEqualTo(2);
    clock.advance(Duration.ofSeconds(10));
    assertThat(probes.get()).isEqualTo(6);

    lb.close();
    clock.advance(Duration.ofMinutes(10));
    assertThat(probes.get()).isEqualTo(6);
    assertThat(clock.pending()).isZero();
  }

  private static boolean threadNamed(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }

  @Test
  void healthCheck_badSettings_named() {
    assertThatThrownBy(() -> HealthCheck.builder(checker).unhealthyThreshold(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unhealthyThreshold: 0 (expected: >= 1)");
    assertThatThrownBy(() -> HealthCheck.builder(checker).interval(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("interval: PT-1S (expected: positive)");
    assertThatThrownBy(() -> LoadBalancer.builder("orders").panicThreshold(101))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("panicThreshold: 101 (expected: 0..100)");
  }
}
