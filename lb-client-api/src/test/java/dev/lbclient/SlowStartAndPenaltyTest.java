package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Slow start's ramp for new and re-admitted endpoints, and server-requested penalties. */
class SlowStartAndPenaltyTest {
  private static final Endpoint NEW = Endpoint.of("10.0.0.99", 80);

  private final VirtualClock clock = new VirtualClock();

  private static List<Endpoint> nine() {
    List<Endpoint> list = new ArrayList<>();
    for (int i = 1; i <= 9; i++) {
      list.add(Endpoint.of("10.0.0." + i, 80));
    }
    return list;
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

  private LoadBalancer withNewcomer(Strategy strategy) {
    MutableEndpointSource source = EndpointSource.mutable(nine().toArray(new Endpoint[0]));
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(source)
        .strategy(strategy)
        .slowStart(Duration.ofSeconds(30))
        .ticker(clock)
        .timer(clock)
        .build();
    List<Endpoint> ten = new ArrayList<>(nine());
    ten.add(NEW);
    source.set(ten);
    return lb;
  }

  /**
   * Weighted round robin is exact per cycle, so the ramped share can be checked to the pick: nine
   * endpoints at 100% and the newcomer at p% give a cycle of (900 + p) / gcd picks.
   */
  @Test
  void slowStart_weightedRoundRobin_sharesAt0And50And100PercentOfTheWindow() {
    LoadBalancer lb = withNewcomer(Strategy.weightedRoundRobin());
    // 0% of the window: the floor of 10%. Cycle = 910 / 10 = 91 picks, 1 for the newcomer.
    assertThat(distribution(lb, 91 * 10).get(NEW.address())).isEqualTo(10);
    clock.advance(Duration.ofSeconds(15)); // 50%: cycle = 950 / 50 = 19 picks, 1 for it
    Map<String, Integer> half = distribution(lb, 19 * 10);
    assertThat(half.get(NEW.address())).isEqualTo(10);
    assertThat(half.get("10.0.0.1:80")).isEqualTo(20);
    clock.advance(Duration.ofSeconds(15)); // 100%: plain shares
    Map<String, Integer> full = distribution(lb, 100);
    assertThat(full).hasSize(10).allSatisfy((a, n) -> assertThat(n).isEqualTo(10));
  }

  @Test
  void slowStart_roundRobin_rampsTooThenEvensOut() {
    LoadBalancer lb = withNewcomer(Strategy.roundRobin());
    assertThat(distribution(lb, 910).get(NEW.address())).isEqualTo(10);
    clock.advance(Duration.ofSeconds(30));
    assertThat(distribution(lb, 100).get(NEW.address())).isEqualTo(10);
  }

  @Test
  void slowStart_initialEndpoints_doNotRamp() {
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(nine().toArray(new Endpoint[0])))
        .strategy(Strategy.weightedRoundRobin())
        .slowStart()
        .ticker(clock)
        .timer(clock)
        .build();
    assertThat(distribution(lb, 90)).hasSize(9).allSatisfy((a, n) -> assertThat(n).isEqualTo(10));
  }

  @Test
  void slowStart_hashStrategies_keepAffinity() {
    LoadBalancer lb = withNewcomer(Strategy.consistentHash());
    Map<String, String> before = new HashMap<>();
    for (int k = 0; k < 1000; k++) {
      Pick p = lb.pick(RequestContext.withKey("user-" + k));
      before.put("user-" + k, p.endpoint().address());
      p.cancel();
    }
    clock.advance(Duration.ofSeconds(15));
    for (int k = 0; k < 1000; k++) {
      Pick p = lb.pick(RequestContext.withKey("user-" + k));
      assertThat(p.endpoint().address()).isEqualTo(before.get("user-" + k));
      p.cancel();
    }
    assertThat(before.values()).contains(NEW.address());
  }

  @Test
  void slowStart_afterEjection_readmittedEndpointRamps() {
    List<Endpoint> ten = new ArrayList<>(nine());
    ten.add(NEW);
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(ten.toArray(new Endpoint[0])))
        .strategy(Strategy.weightedRoundRobin())
        .slowStart(Duration.ofSeconds(30))
        .noCircuitBreakers()
        .ticker(clock)
        .timer(clock)
        .build();
    for (int i = 0; i < 5; i++) {
      try (Pick p = lb.pick(RequestContext.none(), e -> e.sameAddress(NEW))) {
        p.failure(new IOException("down"));
      }
    }
    assertThat(distribution(lb, 90)).doesNotContainKey(NEW.address());
    clock.advance(Duration.ofSeconds(30)); // ejection over: back at 10%
    assertThat(distribution(lb, 910).get(NEW.address())).isEqualTo(10);
  }

  @Test
  void slowStart_windowOutOfRange_named() {
    assertThatThrownBy(() -> LoadBalancer.builder("orders").slowStart(Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slowStart: PT0.01S (expected: PT1S..PT1H)");
  }

  @Test
  void penalize_takesTheEndpointOutForTheDuration_withoutCountingAFailure() {
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"))
        .strategy(Strategy.roundRobin())
        .ticker(clock)
        .timer(clock)
        .build();
    lb.penalize(Endpoint.of("10.0.0.1", 80), Duration.ofSeconds(2));
    assertThat(distribution(lb, 30)).doesNotContainKey("10.0.0.1:80");
    clock.advance(Duration.ofMillis(1_999));
    assertThat(distribution(lb, 30)).doesNotContainKey("10.0.0.1:80");
    clock.advance(Duration.ofMillis(1));
    assertThat(distribution(lb, 30)).containsEntry("10.0.0.1:80", 10);
    assertThat(lb.stats().get(0).failures()).isZero();
  }

  @Test
  void penalize_allEndpoints_panicStillServes() {
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:80", "10.0.0.2:80"))
        .strategy(Strategy.roundRobin())
        .ticker(clock)
        .timer(clock)
        .build();
    lb.penalize(Endpoint.of("10.0.0.1", 80), Duration.ofSeconds(5));
    lb.penalize(Endpoint.of("10.0.0.2", 80), Duration.ofSeconds(5));
    assertThat(distribution(lb, 10)).hasSize(2);
  }

  @Test
  void penalize_badDuration_named() {
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:80")).build();
    assertThatThrownBy(() -> lb.penalize(Endpoint.of("10.0.0.1", 80), Duration.ofHours(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("duration: PT2H (expected: PT0S..PT1H)");
  }

  @Test
  void recordLatency_fixesLatencyAtHeaders_whileInFlightLastsUntilClose() {
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:80"))
        .ticker(clock)
        .timer(clock)
        .build();
    Pick pick = lb.pick();
    clock.advanceMillis(30);
    pick.recordLatency();
    clock.advanceMillis(500); // the body streams
    assertThat(lb.stats().get(0).inFlight()).isEqualTo(1);
    pick.success();
    assertThat(lb.stats().get(0).inFlight()).isZero();
    assertThat(lb.stats().get(0).latencyEstimateNanos()).isEqualTo(30e6);
  }

  @Test
  void pickAvoiding_prefersEndpointsNotTried() {
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:80", "10.0.0.2:80"))
        .strategy(Strategy.consistentHash())
        .build();
    RequestContext key = RequestContext.withKey("k");
    Endpoint owner;
    Pick first = lb.pick(key);
    owner = first.endpoint();
    first.cancel();
    for (int i = 0; i < 20; i++) {
      Pick p = lb.pick(key, List.of(owner));
      assertThat(p.endpoint()).isNotEqualTo(owner);
      p.cancel();
    }
  }

  /** A skipped owner's keys go to the next endpoint of the table, the same one every time. */
  @Test
  void pickAvoiding_hashKeepsAffinity_sameNextOwnerInEveryClient() {
    Endpoint[] eps = TestSupport.endpoints(10);
    LoadBalancer first = TestSupport.lb(Strategy.consistentHash(), 1, eps);
    LoadBalancer second = TestSupport.lb(Strategy.consistentHash(), 2, eps);
    for (int k = 0; k < 50; k++) {
      RequestContext key = RequestContext.withKey("user-" + k);
      Pick owner = first.pick(key);
      Endpoint avoided = owner.endpoint();
      owner.cancel();
      java.util.Set<Endpoint> next = new java.util.HashSet<>();
      for (int i = 0; i < 10; i++) {
        for (LoadBalancer lb : List.of(first, second)) {
          Pick p = lb.pick(key, List.of(avoided));
          next.add(p.endpoint());
          p.cancel();
        }
      }
      assertThat(next).as("key user-%s", k).hasSize(1).doesNotContain(avoided);
    }
  }

  @Test
  void pickFiltered_noneAccepted_failsWithReason() {
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:80"))
        .build();
    assertThatThrownBy(() -> lb.pick(RequestContext.none(), e -> false))
        .isInstanceOf(NoEndpointAvailableException.class)
        .hasMessageStartingWith("no endpoint available for orders: none of the usable endpoints "
            + "is accepted by the caller's filter: [10.0.0.1:80 usable]");
  }
}
