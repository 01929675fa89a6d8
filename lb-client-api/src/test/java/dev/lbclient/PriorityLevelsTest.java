package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.assertj.core.data.Offset;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Priority levels from the endpoint attribute {@code priority}: Envoy's priority load with the
 * overprovisioning factor 1.4, failover by proportion, return on recovery, and panic per level.
 */
class PriorityLevelsTest {
  private static final Offset<Double> EXACT = within(1e-12);
  private final VirtualClock clock = new VirtualClock();
  private final List<String> panics = new ArrayList<>();

  /** {@code perLevel[p]} endpoints at priority p, 10.0.p.i:80. */
  private static Endpoint[] levels(int... perLevel) {
    List<Endpoint> list = new ArrayList<>();
    for (int p = 0; p < perLevel.length; p++) {
      for (int i = 1; i <= perLevel[p]; i++) {
        list.add(Endpoint.of("10.0." + p + "." + i, 80).withAttribute("priority", "" + p));
      }
    }
    return list.toArray(new Endpoint[0]);
  }

  private LoadBalancer.Builder builder(Endpoint... eps) {
    return LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(eps))
        .strategy(Strategy.roundRobin())
        .outlierDetection(OutlierDetection.disabled())
        .noCircuitBreakers()
        .rng(Randoms.seeded(3))
        .ticker(clock)
        .timer(clock)
        .listener(new LoadBalancerListener() {
          @Override
          public void onPanic(String service, boolean panic, int usable, int total) {
            panics.add((panic ? "panic " : "calm ") + usable + "/" + total);
          }
        });
  }

  private LoadBalancer build(Endpoint... eps) {
    return builder(eps).build();
  }

  /** Each level's share of the calls, as status() reports it (the largest share in the level). */
  private static Map<Integer, Double> levelShares(LoadBalancer lb) {
    Map<Integer, Double> shares = new TreeMap<>();
    for (EndpointStatus s : lb.status()) {
      shares.merge(s.priority(), s.share(), Math::max);
    }
    return shares;
  }

  private static Map<Integer, Double> pickedShares(LoadBalancer lb, int n) {
    Map<Integer, Double> counts = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      Pick p = lb.pick();
      counts.merge(Integer.parseInt(p.endpoint().attribute("priority")), 1.0 / n, Double::sum);
      p.cancel();
    }
    return counts;
  }

  private void down(LoadBalancer lb, @Nullable Duration d, Endpoint... eps) {
    for (Endpoint e : eps) {
      lb.penalize(e, d != null ? d : Duration.ofMinutes(1));
    }
  }

  @Test
  void priorities_allHealthy_onlyTheHighestLevel() {
    Endpoint[] eps = levels(5, 3);
    LoadBalancer lb = build(eps);
    assertThat(levelShares(lb)).containsExactly(Map.entry(0, 1.0), Map.entry(1, 0.0));
    assertThat(pickedShares(lb, 500)).containsOnlyKeys(0);
    assertThat(lb.status()).extracting(EndpointStatus::priority)
        .containsExactly(0, 0, 0, 0, 0, 1, 1, 1);
  }

  @Test
  void priorities_twoOfFiveDown_84PercentStays() {
    Endpoint[] eps = levels(5, 3);
    LoadBalancer lb = build(eps);
    down(lb, null, eps[0], eps[1]);

    // 3 of 5 usable: 0.6 x 1.4 = 0.84 stays, 0.16 fails over.
    Map<Integer, Double> shares = levelShares(lb);
    assertThat(shares.get(0)).isCloseTo(0.84, EXACT);
    assertThat(shares.get(1)).isCloseTo(0.16, EXACT);
    Map<Integer, Double> picked = pickedShares(lb, 20_000);
    assertThat(picked.get(0)).isCloseTo(0.84, within(0.01));
    assertThat(picked.get(1)).isCloseTo(0.16, within(0.01));
    assertThat(panics).isEmpty();
  }

  @Test
  void priorities_atTheBoundary_fiveOfSevenKeepEveryCall() {
    Endpoint[] eps = levels(7, 2);
    LoadBalancer lb = build(eps);
    down(lb, null, eps[0], eps[1]);
    // 5/7 x 1.4 = 1 exactly: the level is still "fully healthy".
    assertThat(levelShares(lb)).containsExactly(Map.entry(0, 1.0), Map.entry(1, 0.0));

    down(lb, null, eps[2]);
    // 4/7 x 1.4 = 0.8.
    assertThat(levelShares(lb).get(0)).isCloseTo(0.8, EXACT);
    assertThat(levelShares(lb).get(1)).isCloseTo(0.2, EXACT);
  }

  @Test
  void priorities_levelRecovers_callsReturnOnTime() {
    Endpoint[] eps = levels(5, 3);
    LoadBalancer lb = build(eps);
    down(lb, Duration.ofSeconds(30), eps[0], eps[1]);
    assertThat(levelShares(lb).get(1)).isCloseTo(0.16, EXACT);

    clock.advance(Duration.ofSeconds(30).minusNanos(1));
    assertThat(levelShares(lb).get(1)).isCloseTo(0.16, EXACT);
    clock.advance(Duration.ofNanos(1));
    assertThat(levelShares(lb)).containsExactly(Map.entry(0, 1.0), Map.entry(1, 0.0));
    assertThat(pickedShares(lb, 500)).containsOnlyKeys(0);
  }

  @Test
  void priorities_threeLevels_eachTakesWhatTheOnesAboveLack() {
    Endpoint[] eps = levels(4, 4, 4);
    LoadBalancer lb = build(eps);
    down(lb, null, eps[0], eps[1], eps[2], eps[4], eps[5], eps[6]);

    // Envoy's table: 25% / 25% / 100% healthy take 35% / 35% / 30%.
    Map<Integer, Double> shares = levelShares(lb);
    assertThat(shares.get(0)).isCloseTo(0.35, EXACT);
    assertThat(shares.get(1)).isCloseTo(0.35, EXACT);
    assertThat(shares.get(2)).isCloseTo(0.30, EXACT);
  }

  @Test
  void priorities_tooLittleHealthOverall_sharesScaledUp() {
    Endpoint[] eps = levels(4, 4);
    LoadBalancer lb = builder(eps).panicThreshold(0).build();
    down(lb, null, eps[0], eps[1], eps[2], eps[4], eps[5], eps[6]);

    // 35 + 35 = 70 of 100: each level's health over 70.
    assertThat(levelShares(lb)).containsExactly(Map.entry(0, 0.5), Map.entry(1, 0.5));
  }

  @Test
  void priorities_enoughHealthOverall_noPanicEvenBelowTheThreshold() {
    Endpoint[] eps = levels(5, 3);
    LoadBalancer lb = build(eps);
    down(lb, null, eps[0], eps[1], eps[2], eps[3], eps[7]);

    // Level 0 at 20% (below 50%), level 1 at 2/3: 0.28 + 0.93 >= 1, so nobody panics.
    Map<Integer, Double> shares = levelShares(lb);
    assertThat(shares.get(0)).isCloseTo(0.28, EXACT);
    assertThat(shares.get(1)).isCloseTo(0.72, EXACT);
    assertThat(lb.status().get(0).share()).as("unusable, not in panic").isZero();
    assertThat(panics).isEmpty();
  }

  @Test
  void priorities_oneLevelBelowThreshold_panicsAlone() {
    Endpoint[] eps = levels(5, 2);
    LoadBalancer lb = build(eps);
    down(lb, null, eps[0], eps[1], eps[2], eps[3], eps[6]);

    // Health 0.28 and 0.7: 0.98 overall, so level 0 (20% usable) panics over all its endpoints;
    // level 1 (50%) does not.
    List<EndpointStatus> status = lb.status();
    assertThat(status.get(0).share()).as("in panic: every endpoint of the level")
        .isCloseTo(0.28 / 0.98, EXACT);
    assertThat(status.get(5).share()).isCloseTo(0.7 / 0.98, EXACT);
    assertThat(status.get(6).share()).isZero();
    assertThat(panics).containsExactly("panic 2/7");
    Map<String, Double> picked = new TreeMap<>();
    for (int i = 0; i < 7000; i++) {
      try (Pick p = lb.pick()) {
        picked.merge(p.endpoint().address(), 1 / 7000.0, Double::sum);
      }
    }
    assertThat(picked).doesNotContainKey("10.0.1.2:80");
    assertThat(picked.get("10.0.0.1:80")).as("penalized, yet picked in panic")
        .isCloseTo(0.28 / 0.98 / 5, within(0.01));
  }

  @Test
  void priorities_everyLevelInPanic_sharesBySize() {
    Endpoint[] eps = levels(5, 3);
    LoadBalancer lb = build(eps);
    down(lb, null, eps[0], eps[1], eps[2], eps[3], eps[5], eps[6]);

    // 0.28 + 0.47 < 1 and both below 50%: every endpoint, each level by its size.
    assertThat(levelShares(lb)).containsExactly(Map.entry(0, 5.0 / 8), Map.entry(1, 3.0 / 8));
    assertThat(lb.status()).extracting(EndpointStatus::share).doesNotContain(0.0);
  }

  @Test
  void priorities_failOnPanic_levelInPanicTakesNoCalls() {
    Endpoint[] eps = levels(5, 2);
    LoadBalancer lb = builder(eps).failOnPanic().build();
    down(lb, null, eps[0], eps[1], eps[2], eps[3], eps[6]);

    assertThat(lb.status()).extracting(EndpointStatus::share)
        .containsExactly(0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0);
  }

  @Test
  void priorities_failOnPanic_everyLevelInPanic_fails() {
    Endpoint[] eps = levels(5, 2);
    LoadBalancer lb = builder(eps).failOnPanic().build();
    down(lb, null, eps[0], eps[1], eps[2], eps[3], eps[5], eps[6]);

    assertThatThrownBy(lb::pick)
        .isInstanceOf(NoEndpointAvailableException.class)
        .hasMessageStartingWith("no endpoint available for orders: every priority level is below"
            + " the panic threshold of 50% (priority 0: 1 of 5 usable, priority 1: 0 of 2"
            + " usable)");
  }

  @Test
  void priorities_nothingUsable_panicOff_fails() {
    Endpoint[] eps = levels(1, 1);
    LoadBalancer lb = builder(eps).panicThreshold(0).build();
    down(lb, null, eps);

    assertThatThrownBy(lb::pick)
        .isInstanceOf(NoEndpointAvailableException.class)
        .hasMessageStartingWith("no endpoint available for orders: all 2 endpoints are unusable");
  }

  @Test
  void priorities_filterRejectsTheHighestLevel_nextLevelServes() {
    Endpoint[] eps = levels(5, 3);
    LoadBalancer lb = build(eps);
    try (Pick p = lb.pick(RequestContext.none(), e -> "1".equals(e.attribute("priority")))) {
      assertThat(p.endpoint().attribute("priority")).isEqualTo("1");
    }
  }

  @Test
  void priorities_notAWholeNumber_countAsZero() {
    Endpoint[] eps = {
        Endpoint.of("10.0.0.1", 80).withAttribute("priority", "high"),
        Endpoint.of("10.0.0.2", 80).withAttribute("priority", "-1"),
        Endpoint.of("10.0.0.3", 80).withAttribute("priority", "1")};
    LoadBalancer lb = build(eps);

    assertThat(lb.status()).extracting(EndpointStatus::priority).containsExactly(0, 0, 1);
    assertThat(lb.status()).extracting(EndpointStatus::share).containsExactly(1.0, 1.0, 0.0);
  }

  @Test
  void priorities_sameEverywhere_oneLevel_samePicksAsWithout() {
    Endpoint[] bare = TestSupport.endpoints(6);
    Endpoint[] two = new Endpoint[6];
    for (int i = 0; i < 6; i++) {
      two[i] = bare[i].withAttribute("priority", "2");
    }
    LoadBalancer a = build(bare);
    LoadBalancer b = build(two);
    for (int i = 0; i < 50; i++) {
      try (Pick x = a.pick(); Pick y = b.pick()) {
        assertThat(y.endpoint().address()).isEqualTo(x.endpoint().address());
      }
    }
  }

  @Test
  void priorities_withZones_zoneSplitWithinEachLevel() {
    List<Endpoint> list = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      list.add(Endpoint.of("10.0.0." + i, 80).withZone(i <= 3 ? "a" : "b")
          .withAttribute("priority", "0"));
    }
    for (int i = 1; i <= 4; i++) {
      list.add(Endpoint.of("10.0.1." + i, 80).withZone(i <= 2 ? "a" : "b")
          .withAttribute("priority", "1"));
    }
    Endpoint[] eps = list.toArray(new Endpoint[0]);
    LoadBalancer lb = builder(eps).zoneRouting(ZoneRouting.builder("a").minEndpoints(1).build())
        .build();
    down(lb, null, eps[0], eps[1]);

    // Level 0: 4 of 6 usable, 0.933; in it a has 1 of 4 usable for half the clients: half stays.
    // Level 1 (healthy): all local.
    List<EndpointStatus> s = lb.status();
    assertThat(s.get(2).share()).isCloseTo(1.4 * 4 / 6 * 0.5, within(1e-9));
    assertThat(s.get(3).share()).isCloseTo(1.4 * 4 / 6 * 0.5, within(1e-9));
    assertThat(s.get(6).share()).isCloseTo(1 - 1.4 * 4 / 6, within(1e-9));
    assertThat(s.get(8).share()).isZero();
    lb.explainPicks(true);
    for (int i = 0; i < 20; i++) {
      try (Pick p = lb.pick()) {
        assertThat(p.explanation().decision()).matches(
            "priority 0, zone a \\(local, 46.7% of calls\\): chose 10.0.0.3:80 among 1"
                + "|priority 0, zone b \\(46.7% of calls\\): chose 10.0.0.\\d:80 among 3"
                + "|priority 1, zone a \\(local, 6.7% of calls\\): chose 10.0.1.\\d:80 among 2");
      }
    }
  }
}
