package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Per-endpoint Resilience4j breakers inside the load balancer, on virtual time. */
class CircuitBreakerTest {
  private static final Endpoint A = Endpoint.of("10.0.0.1", 80);

  private final VirtualClock clock = new VirtualClock();
  private final List<String> transitions = new ArrayList<>();

  private DefaultLoadBalancer build(String... endpoints) {
    return (DefaultLoadBalancer) LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(endpoints))
        .strategy(Strategy.roundRobin())
        .outlierDetection(OutlierDetection.disabled())
        .ticker(clock)
        .timer(clock)
        .listener(new LoadBalancerListener() {
          @Override
          public void onBreakerStateChanged(String service, Endpoint endpoint,
              CircuitBreaker.State from, CircuitBreaker.State to) {
            transitions.add(endpoint.address() + " " + from + "->" + to);
          }
        })
        .build();
  }

  private static void call(LoadBalancer lb, Endpoint endpoint, boolean ok) {
    try (Pick pick = lb.pick(RequestContext.none(), e -> e.sameAddress(endpoint))) {
      if (ok) {
        pick.success();
      } else {
        pick.failure(new IOException("boom"));
      }
    }
  }

  private static CircuitBreaker.State breakerOf(LoadBalancer lb, Endpoint endpoint) {
    return lb.status().stream().filter(s -> s.endpoint().sameAddress(endpoint)).findFirst()
        .orElseThrow().breakerState();
  }

  /** Five failures out of ten alternating calls: 50% over the 10-call minimum. */
  private static void openBreaker(LoadBalancer lb, Endpoint endpoint) {
    for (int i = 0; i < 10; i++) {
      call(lb, endpoint, i % 2 == 0);
    }
  }

  private static Map<String, Integer> distribution(LoadBalancer lb, int picks) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      try (Pick pick = lb.pick()) {
        counts.merge(pick.endpoint().address(), 1, Integer::sum);
        pick.success();
      }
    }
    return counts;
  }

  @Test
  void defaults_openAtHalfOfTenCalls() {
    DefaultLoadBalancer lb = build("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80");
    for (int i = 0; i < 9; i++) {
      call(lb, A, i % 2 == 0);
    }
    assertThat(breakerOf(lb, A)).as("9 calls: below the minimum").isEqualTo(CircuitBreaker.State.CLOSED);
    call(lb, A, false);
    assertThat(breakerOf(lb, A)).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(transitions).containsExactly("10.0.0.1:80 CLOSED->OPEN");
  }

  @Test
  void openBreaker_endpointNotPicked() {
    DefaultLoadBalancer lb = build("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80");
    openBreaker(lb, A);
    assertThat(distribution(lb, 30)).doesNotContainKey(A.address()).hasSize(2);
  }

  @Test
  void openBreaker_neverPicked_stillRecoversThroughProbes() {
    DefaultLoadBalancer lb = build("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80");
    openBreaker(lb, A);
    clock.advance(Duration.ofMillis(9_999));
    assertThat(distribution(lb, 30)).doesNotContainKey(A.address());
    clock.advance(Duration.ofMillis(2)); // the 10 s wait is over: A is offered calls again
    Map<String, Integer> after = distribution(lb, 30);
    assertThat(after).containsKey(A.address());
    assertThat(breakerOf(lb, A)).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(transitions).containsExactly("10.0.0.1:80 CLOSED->OPEN",
        "10.0.0.1:80 OPEN->HALF_OPEN", "10.0.0.1:80 HALF_OPEN->CLOSED");
  }

  /**
   * Power of two choices compares load: an endpoint that was slow when its breaker opened looks
   * worse than its idle, zero-latency peers and would never win a comparison. Its probes must not
   * depend on winning one.
   */
  @Test
  void openBreaker_loadAwareStrategy_stillGetsItsProbes() {
    DefaultLoadBalancer lb = (DefaultLoadBalancer) LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"))
        .strategy(Strategy.powerOfTwoChoices())
        .outlierDetection(OutlierDetection.disabled())
        .ticker(clock)
        .timer(clock)
        .build();
    for (int i = 0; i < 10; i++) { // slow calls, half of them failing
      try (Pick pick = lb.pick(RequestContext.none(), e -> e.sameAddress(A))) {
        clock.advance(Duration.ofSeconds(2));
        if (i % 2 == 0) {
          pick.success();
        } else {
          pick.failure(new IOException("slow and failing"));
        }
      }
    }
    assertThat(breakerOf(lb, A)).isEqualTo(CircuitBreaker.State.OPEN);
    clock.advance(Duration.ofSeconds(11));
    distribution(lb, 10); // instant calls: A's peers look free
    assertThat(breakerOf(lb, A)).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void halfOpen_cancelledProbesReleaseTheirPermits() {
    DefaultLoadBalancer lb = build("10.0.0.1:80", "10.0.0.2:80");
    openBreaker(lb, A);
    clock.advance(Duration.ofSeconds(11));
    for (int round = 0; round < 3; round++) { // three rounds of three cancelled probes
      List<Pick> probes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        probes.add(lb.pick(RequestContext.none(), e -> e.sameAddress(A)));
      }
      assertThatThrownBy(() -> lb.pick(RequestContext.none(), e -> e.sameAddress(A)))
          .as("a fourth concurrent probe is refused")
          .isInstanceOf(NoEndpointAvailableException.class);
      probes.forEach(Pick::cancel);
    }
    assertThat(breakerOf(lb, A)).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    for (int i = 0; i < 3; i++) {
      call(lb, A, true);
    }
    assertThat(breakerOf(lb, A)).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void halfOpen_failedProbe_reopens() {
    DefaultLoadBalancer lb = build("10.0.0.1:80", "10.0.0.2:80");
    openBreaker(lb, A);
    clock.advance(Duration.ofSeconds(11));
    call(lb, A, false);
    call(lb, A, false);
    call(lb, A, true);
    assertThat(breakerOf(lb, A)).isEqualTo(CircuitBreaker.State.OPEN);
  }

  @Test
  void allBreakersOpen_failFastListingEachEndpoint() {
    DefaultLoadBalancer lb = (DefaultLoadBalancer) LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:80", "10.0.0.2:80"))
        .strategy(Strategy.roundRobin())
        .outlierDetection(OutlierDetection.disabled())
        .panicThreshold(0)
        .ticker(clock)
        .timer(clock)
        .build();
    openBreaker(lb, A);
    openBreaker(lb, Endpoint.of("10.0.0.2", 80));
    assertThatThrownBy(lb::pick)
        .isInstanceOf(NoEndpointAvailableException.class)
        .hasMessage("no endpoint available for orders: all 2 endpoints are unusable: "
            + "[10.0.0.1:80 breaker OPEN, 10.0.0.2:80 breaker OPEN]")
        .satisfies(e -> assertThat(((NoEndpointAvailableException) e).endpoints())
            .extracting(EndpointStatus::breakerState)
            .containsExactly(CircuitBreaker.State.OPEN, CircuitBreaker.State.OPEN));
  }

  /**
   * Breakers can cascade under a fleet-wide overload: each one that opens moves its load onto the
   * others. Below the panic threshold the load balancer balances over every endpoint instead, and a
   * breaker's refusal no longer moves the call.
   */
  @Test
  void breakersOpenBelowPanicThreshold_callsSpreadOverAllWithoutPermits() {
    DefaultLoadBalancer lb = build("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80");
    for (int i = 1; i <= 3; i++) {
      openBreaker(lb, Endpoint.of("10.0.0." + i, 80));
    }
    Map<String, Integer> spread = distribution(lb, 40);
    assertThat(spread).hasSize(4).allSatisfy((address, n) -> assertThat(n).isEqualTo(10));
    assertThat(breakerOf(lb, A)).as("a call without a permit does not close it")
        .isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(lb.stats()).allSatisfy(st -> assertThat(st.inFlight()).isZero());
  }

  @Test
  void allBreakersOpen_inPanic_callsStillGo() {
    DefaultLoadBalancer lb = build("10.0.0.1:80", "10.0.0.2:80");
    openBreaker(lb, A);
    openBreaker(lb, Endpoint.of("10.0.0.2", 80));
    try (Pick pick = lb.pick()) {
      assertThat(pick.endpoint()).isNotNull();
    }
  }

  @Test
  void customConfig_usedPerEndpoint() {
    DefaultLoadBalancer lb = (DefaultLoadBalancer) LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:80", "10.0.0.2:80"))
        .outlierDetection(OutlierDetection.disabled())
        .circuitBreaker(CircuitBreakerConfig.custom()
            .slidingWindowSize(4).minimumNumberOfCalls(4).failureRateThreshold(100).build())
        .ticker(clock)
        .timer(clock)
        .build();
    for (int i = 0; i < 3; i++) {
      call(lb, A, false);
    }
    assertThat(breakerOf(lb, A)).isEqualTo(CircuitBreaker.State.CLOSED);
    call(lb, A, false);
    assertThat(breakerOf(lb, A)).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breakerOf(lb, Endpoint.of("10.0.0.2", 80))).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void noCircuitBreakers_statusHasNoBreakerState() {
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:80"))
        .noCircuitBreakers()
        .build();
    assertThat(lb.status()).extracting(EndpointStatus::breakerState).containsOnlyNulls();
  }

  @Test
  void breakerState_survivesRefresh() {
    MutableEndpointSource source = EndpointSource.mutable(A, Endpoint.of("10.0.0.2", 80));
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(source)
        .outlierDetection(OutlierDetection.disabled())
        .ticker(clock)
        .timer(clock)
        .build();
    openBreaker(lb, A);
    source.set(A.withWeight(3), Endpoint.of("10.0.0.2", 80), Endpoint.of("10.0.0.3", 80));
    assertThat(breakerOf(lb, A)).isEqualTo(CircuitBreaker.State.OPEN);
  }

  @Test
  void builder_breakerSetTwice_rejected() {
    assertThatThrownBy(() -> LoadBalancer.builder("orders").noCircuitBreakers().noCircuitBreakers())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("circuitBreaker was already set to none");
  }

  @Test
  void breaker_createdAtTheEndpointsFirstPick() {
    DefaultLoadBalancer lb = build("10.0.0.1:80", "10.0.0.2:80");
    assertThat(lb.states()).allSatisfy(s -> assertThat(s.breaker).isNull());
    assertThat(breakerOf(lb, A)).as("CLOSED before it exists")
        .isEqualTo(CircuitBreaker.State.CLOSED);

    call(lb, A, true);

    assertThat(lb.states()[0].breaker).isNotNull();
    assertThat(lb.states()[0].breaker.getName()).isEqualTo("orders/10.0.0.1:80");
    assertThat(lb.states()[0].breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
    assertThat(lb.states()[1].breaker).isNull();
  }

  @Test
  void noBreakers_stateIsNullAndNoneIsCreated() {
    DefaultLoadBalancer lb = (DefaultLoadBalancer) LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:80"))
        .noCircuitBreakers()
        .ticker(clock)
        .timer(clock)
        .build();

    call(lb, A, false);

    assertThat(lb.states()[0].breaker()).isNull();
    assertThat(breakerOf(lb, A)).isNull();
  }
}
