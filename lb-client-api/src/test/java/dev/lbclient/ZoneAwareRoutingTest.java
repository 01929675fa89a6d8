package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Zone-aware routing and zone preference: the split between zones for several healthy and
 * unhealthy mixes (exact, read from {@code status()}), the picks that follow it, spill-over and
 * return on virtual time, and that nothing changes without a zone.
 */
class ZoneAwareRoutingTest {
  private static final Offset<Double> EXACT = within(1e-12);
  private final VirtualClock clock = new VirtualClock();
  private final List<String> routingEvents = new ArrayList<>();

  static Stream<Strategy> strategies() {
    return TestSupport.allStrategies();
  }

  /** {@code perZone[z]} endpoints in zone a, b, c..., 10.0.z.i:80. */
  private static Endpoint[] zoned(int... perZone) {
    List<Endpoint> list = new ArrayList<>();
    for (int z = 0; z < perZone.length; z++) {
      for (int i = 1; i <= perZone[z]; i++) {
        list.add(Endpoint.of("10.0." + z + "." + i, 80).withZone(String.valueOf((char) ('a' + z))));
      }
    }
    return list.toArray(new Endpoint[0]);
  }

  private DefaultLoadBalancer build(@Nullable ZoneRouting routing, Strategy strategy, long seed,
      Endpoint... eps) {
    LoadBalancer.Builder b = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(eps))
        .strategy(strategy)
        .outlierDetection(OutlierDetection.disabled())
        .noCircuitBreakers()
        .rng(Randoms.seeded(seed))
        .ticker(clock)
        .timer(clock)
        .listener(new LoadBalancerListener() {
          @Override
          public void onRoutingChanged(String service, String routing) {
            routingEvents.add(routing);
          }
        });
    if (routing != null) {
      b.zoneRouting(routing);
    }
    return (DefaultLoadBalancer) b.build();
  }

  private DefaultLoadBalancer build(@Nullable ZoneRouting routing, Endpoint... eps) {
    return build(routing, Strategy.roundRobin(), 1, eps);
  }

  /** Each zone's share of the calls, as status() reports it. */
  private static Map<String, Double> zoneShares(LoadBalancer lb) {
    Map<String, Double> shares = new TreeMap<>();
    for (EndpointStatus s : lb.status()) {
      shares.merge(s.endpoint().zone(), s.share(), Math::max);
    }
    return shares;
  }

  /** The fraction of {@code n} picks that went to each zone. */
  private static Map<String, Double> pickedShares(LoadBalancer lb, int n) {
    Map<String, Double> counts = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      Pick p = lb.pick();
      counts.merge(p.endpoint().zone(), 1.0 / n, Double::sum);
      p.cancel();
    }
    return counts;
  }

  private void penalize(LoadBalancer lb, Endpoint... eps) {
    for (Endpoint e : eps) {
      lb.penalize(e, Duration.ofSeconds(10));
    }
  }

  @Test
  void split_allHealthy_everyCallStaysLocal() {
    Endpoint[] eps = zoned(4, 4, 4);
    LoadBalancer lb = build(ZoneRouting.aware("a"), eps);

    assertThat(zoneShares(lb)).containsExactly(
        Map.entry("a", 1.0), Map.entry("b", 0.0), Map.entry("c", 0.0));
    assertThat(pickedShares(lb, 1000)).containsOnlyKeys("a");
  }

  @Test
  void split_localZoneHalfDown_keepsUpstreamOverClientShareAndSpillsByResidual() {
    Endpoint[] eps = zoned(4, 4, 4);
    LoadBalancer lb = build(ZoneRouting.aware("a"), eps);
    penalize(lb, eps[0], eps[1]);

    // Usable capacity a 2/10 against a third of the clients: 0.2 / (1/3) = 60% stays; residual
    // b = c = 0.4 - 1/3, so the other 40% splits evenly.
    Map<String, Double> shares = zoneShares(lb);
    assertThat(shares.get("a")).isCloseTo(0.6, EXACT);
    assertThat(shares.get("b")).isCloseTo(0.2, EXACT);
    assertThat(shares.get("c")).isCloseTo(0.2, EXACT);
    Map<String, Double> picked = pickedShares(lb, 20_000);
    assertThat(picked.get("a")).isCloseTo(0.6, within(0.015));
    assertThat(picked.get("b")).isCloseTo(0.2, within(0.015));
    assertThat(picked.get("c")).isCloseTo(0.2, within(0.015));
  }

  @Test
  void split_remoteZoneDown_localStillCoversItsClients() {
    Endpoint[] eps = zoned(4, 4, 4);
    LoadBalancer lb = build(ZoneRouting.aware("a"), eps);
    penalize(lb, eps[4], eps[5], eps[6]);

    // a has 4 of 9 usable: more than its third of the clients.
    assertThat(zoneShares(lb)).containsExactly(
        Map.entry("a", 1.0), Map.entry("b", 0.0), Map.entry("c", 0.0));
  }

  @Test
  void split_unevenZones_residualDecidesTheSpill() {
    Endpoint[] eps = zoned(2, 4, 6);
    LoadBalancer lb = build(ZoneRouting.aware("a"), eps);
    penalize(lb, eps[0]);

    // Clients like endpoints: a 2/12, b 4/12, c 6/12. Usable: a 1/11, b 4/11, c 6/11.
    // Local (1/11) / (1/6) = 6/11; residual b 4/11 - 1/3 = 1/33, c 6/11 - 1/2 = 1/22: 2 to 3.
    Map<String, Double> shares = zoneShares(lb);
    assertThat(shares.get("a")).isCloseTo(6.0 / 11, EXACT);
    assertThat(shares.get("b")).isCloseTo(2.0 / 11, EXACT);
    assertThat(shares.get("c")).isCloseTo(3.0 / 11, EXACT);
  }

  @Test
  void split_weights_countAsCapacity() {
    Endpoint[] eps = zoned(3, 3);
    for (int i = 0; i < 3; i++) {
      eps[i] = eps[i].withWeight(3);
    }
    LoadBalancer lb = build(ZoneRouting.builder("a").minEndpoints(1).build(),
        Strategy.weightedRoundRobin(), 1, eps);
    penalize(lb, eps[0], eps[1]);

    // Capacity a 9 of 12 (clients 3/4); usable a 3 of 6: 0.5 / 0.75 = 2/3 stays.
    Map<String, Double> shares = zoneShares(lb);
    assertThat(shares.get("a")).isCloseTo(2.0 / 3, EXACT);
    assertThat(shares.get("b")).isCloseTo(1.0 / 3, EXACT);
  }

  @Test
  void split_clientSharesGiven_replaceTheEndpointAssumption() {
    Endpoint[] eps = zoned(4, 4, 4);
    LoadBalancer lb = build(ZoneRouting.builder("a")
        .clientShares(Map.of("a", 2, "b", 1, "c", 1)).build(), eps);

    // Half the clients in a with a third of the capacity: 2/3 stay; b and c have 1/12 residual.
    Map<String, Double> shares = zoneShares(lb);
    assertThat(shares.get("a")).isCloseTo(2.0 / 3, EXACT);
    assertThat(shares.get("b")).isCloseTo(1.0 / 6, EXACT);
    assertThat(shares.get("c")).isCloseTo(1.0 / 6, EXACT);
  }

  @Test
  void split_clientSharesOfZonesWithoutEndpoints_renormalized() {
    Endpoint[] eps = zoned(4, 4);
    LoadBalancer lb = build(ZoneRouting.builder("a")
        .clientShares(Map.of("a", 1, "b", 1, "x", 2)).build(), eps);
    penalize(lb, eps[0]);

    // x's clients spread over a and b alike, so a and b compare as halves: 3/7 / (1/2) = 6/7.
    Map<String, Double> shares = zoneShares(lb);
    assertThat(shares.get("a")).isCloseTo(6.0 / 7, EXACT);
    assertThat(shares.get("b")).isCloseTo(1.0 / 7, EXACT);
  }

  @Test
  void split_localZoneAllDown_spreadsOverTheOthers() {
    Endpoint[] eps = zoned(4, 4, 4);
    LoadBalancer lb = build(ZoneRouting.aware("a"), eps);
    penalize(lb, eps[0], eps[1], eps[2], eps[3]);

    assertThat(zoneShares(lb)).containsExactly(
        Map.entry("a", 0.0), Map.entry("b", 1.0), Map.entry("c", 1.0));
    assertThat(routingEvents.get(routingEvents.size() - 1))
        .isEqualTo("zone routing off: no usable endpoint in zone a");
  }

  @Test
  void split_fewerUsableThanMinEndpoints_off() {
    Endpoint[] eps = zoned(2, 2, 1);
    LoadBalancer lb = build(ZoneRouting.aware("a"), eps);
    assertThat(zoneShares(lb)).containsOnly(
        Map.entry("a", 1.0), Map.entry("b", 1.0), Map.entry("c", 1.0));
    assertThat(routingEvents).containsExactly(
        "zone routing off: fewer usable endpoints than minEndpoints (6)");

    LoadBalancer small = build(ZoneRouting.builder("a").minEndpoints(2).build(), eps);
    assertThat(zoneShares(small)).containsExactly(
        Map.entry("a", 1.0), Map.entry("b", 0.0), Map.entry("c", 0.0));
  }

  @Test
  void split_anEndpointWithoutZone_off() {
    List<Endpoint> eps = new ArrayList<>(List.of(zoned(4, 4)));
    eps.add(Endpoint.of("10.9.9.9", 80));
    LoadBalancer lb = build(ZoneRouting.aware("a"), eps.toArray(new Endpoint[0]));

    assertThat(lb.status()).extracting(EndpointStatus::share).containsOnly(1.0);
    assertThat(routingEvents).containsExactly("zone routing off: some endpoints have no zone");
  }

  @Test
  void split_localZoneRecovers_callsReturnOnTime() {
    Endpoint[] eps = zoned(4, 4, 4);
    LoadBalancer lb = build(ZoneRouting.aware("a"), eps);
    penalize(lb, eps[0], eps[1]);
    assertThat(zoneShares(lb).get("a")).isCloseTo(0.6, EXACT);

    clock.advance(Duration.ofSeconds(10).minusNanos(1));
    assertThat(zoneShares(lb).get("a")).as("still degraded").isCloseTo(0.6, EXACT);
    clock.advance(Duration.ofNanos(1));
    assertThat(zoneShares(lb).get("a")).as("the penalties ended").isEqualTo(1.0);
    assertThat(routingEvents).containsExactly(
        "zone a (local, 100% of calls)",
        "zone a (local, 81.8% of calls); zone b (9.1% of calls); zone c (9.1% of calls)",
        "zone a (local, 60% of calls); zone b (20% of calls); zone c (20% of calls)",
        "zone a (local, 100% of calls)");
  }

  @Test
  void split_smallChange_noEvent() {
    Endpoint[] eps = zoned(20, 20);
    LoadBalancer lb = build(ZoneRouting.aware("a"), eps);
    penalize(lb, eps[0], eps[1]);
    // a: 18 of 38 usable against half the clients: 18/19 = 94.7% stays, 5.3 points moved.
    assertThat(routingEvents).hasSize(2);
    penalize(lb, eps[21]);
    // 18/37 / (1/2) = 97.3%: 2.6 points from the last announcement: no event.
    assertThat(zoneShares(lb).get("a")).isCloseTo(36.0 / 37, EXACT);
    assertThat(routingEvents).hasSize(2);
  }

  @Test
  void preferred_oneLocalLeft_takesEveryCall() {
    Endpoint[] eps = zoned(4, 4, 4);
    LoadBalancer lb = build(ZoneRouting.preferred("a"), eps);
    penalize(lb, eps[0], eps[1], eps[2]);

    assertThat(zoneShares(lb)).containsExactly(
        Map.entry("a", 1.0), Map.entry("b", 0.0), Map.entry("c", 0.0));
    for (int i = 0; i < 50; i++) {
      try (Pick p = lb.pick()) {
        assertThat(p.endpoint()).isEqualTo(eps[3]);
      }
    }
  }

  @Test
  void preferred_noLocalLeft_everyZone() {
    Endpoint[] eps = zoned(2, 2, 2);
    LoadBalancer lb = build(ZoneRouting.preferred("a"), eps);
    assertThat(zoneShares(lb).get("a")).as("no minimum size").isEqualTo(1.0);
    penalize(lb, eps[0], eps[1]);

    assertThat(zoneShares(lb)).containsExactly(
        Map.entry("a", 0.0), Map.entry("b", 1.0), Map.entry("c", 1.0));
    assertThat(pickedShares(lb, 1000)).containsOnlyKeys("b", "c");
  }

  @Test
  void preferred_endpointsWithoutZone_areNeverLocal() {
    Endpoint[] eps = {Endpoint.of("10.0.0.1", 80).withZone("a"), Endpoint.of("10.0.0.2", 80)};
    LoadBalancer lb = build(ZoneRouting.preferred("a"), eps);

    assertThat(lb.status()).extracting(EndpointStatus::share).containsExactly(1.0, 0.0);
  }

  @Test
  void filter_noLocalAccepted_goesToAnotherZone() {
    Endpoint[] eps = zoned(4, 4, 4);
    LoadBalancer lb = build(ZoneRouting.aware("a"), eps);
    for (int i = 0; i < 20; i++) {
      try (Pick p = lb.pick(RequestContext.none(), e -> !"a".equals(e.zone()))) {
        assertThat(p.endpoint().zone()).isIn("b", "c");
      }
    }
  }

  @Test
  void avoid_localAvoided_retryGoesToAnotherZone() {
    Endpoint[] eps = zoned(4, 4, 4);
    LoadBalancer lb = build(ZoneRouting.aware("a"), eps);
    List<Endpoint> tried = Arrays.asList(eps).subList(0, 4);
    try (Pick p = lb.pick(RequestContext.none(), tried)) {
      assertThat(p.endpoint().zone()).isIn("b", "c");
    }
  }

  @Test
  void consistentHash_keyKeepsItsZoneAndOwnerAcrossClients() {
    Endpoint[] eps = zoned(4, 4, 4);
    LoadBalancer one = build(ZoneRouting.aware("a"), Strategy.consistentHash(), 1, eps);
    LoadBalancer two = build(ZoneRouting.aware("a"), Strategy.consistentHash(), 2, eps);
    penalize(one, eps[0], eps[1]);
    penalize(two, eps[0], eps[1]);

    Map<String, Double> byZone = new TreeMap<>();
    for (int k = 0; k < 3000; k++) {
      RequestContext key = RequestContext.withKey("user-" + k);
      Endpoint first;
      try (Pick p = one.pick(key)) {
        first = p.endpoint();
      }
      try (Pick p = one.pick(key)) {
        assertThat(p.endpoint()).as("same client, same key").isEqualTo(first);
      }
      try (Pick p = two.pick(key)) {
        assertThat(p.endpoint()).as("another client in the zone").isEqualTo(first);
      }
      byZone.merge(first.zone(), 1 / 3000.0, Double::sum);
    }
    assertThat(byZone.get("a")).isCloseTo(0.6, within(0.03));
    assertThat(byZone.get("b")).isCloseTo(0.2, within(0.03));
  }

  @Test
  void explanation_namesTheZoneAndItsShare() {
    Endpoint[] eps = zoned(4, 4, 4);
    LoadBalancer lb = build(ZoneRouting.aware("a"), eps);
    penalize(lb, eps[0], eps[1]);
    lb.explainPicks(true);
    for (int i = 0; i < 20; i++) {
      try (Pick p = lb.pick()) {
        String zone = p.endpoint().zone();
        assertThat(p.explanation().decision()).startsWith("a".equals(zone)
            ? "zone a (local, 60% of calls): chose " : "zone " + zone + " (20% of calls): chose ");
      }
    }
  }

  /** Without a zone, or with one when no endpoint has a zone, the seeded picks are the same. */
  @ParameterizedTest
  @MethodSource("strategies")
  void noZone_samePicksAsBefore(Strategy strategy) {
    Endpoint[] eps = TestSupport.endpoints(12);
    for (int seed = 1; seed <= 3; seed++) {
      LoadBalancer plain = build(null, strategy, seed, eps);
      LoadBalancer zoned = build(ZoneRouting.aware("a"), strategy, seed, eps);
      LoadBalancer preferred = build(ZoneRouting.preferred("a"), strategy, seed, eps);
      for (int i = 0; i < 300; i++) {
        RequestContext context = RequestContext.withKey("user-" + (i % 37));
        Endpoint expected;
        try (Pick p = plain.pick(i % 2 == 0 ? context : RequestContext.none())) {
          expected = p.endpoint();
        }
        try (Pick p = zoned.pick(i % 2 == 0 ? context : RequestContext.none())) {
          assertThat(p.endpoint()).isEqualTo(expected);
        }
        try (Pick p = preferred.pick(i % 2 == 0 ? context : RequestContext.none())) {
          assertThat(p.endpoint()).isEqualTo(expected);
        }
      }
    }
  }

  /** Zones on the endpoints but none given to the builder: the zones are ignored. */
  @ParameterizedTest
  @MethodSource("strategies")
  void zonedEndpoints_noZoneSet_samePicksAsWithoutZones(Strategy strategy) {
    Endpoint[] eps = zoned(4, 4, 4);
    Endpoint[] bare = new Endpoint[eps.length];
    for (int i = 0; i < eps.length; i++) {
      bare[i] = Endpoint.of(eps[i].host(), eps[i].port());
    }
    LoadBalancer withZones = build(null, strategy, 5, eps);
    LoadBalancer without = build(null, strategy, 5, bare);
    for (int i = 0; i < 300; i++) {
      RequestContext context = RequestContext.withKey("user-" + (i % 37));
      try (Pick a = withZones.pick(context); Pick b = without.pick(context)) {
        assertThat(a.endpoint().address()).isEqualTo(b.endpoint().address());
      }
    }
    assertThat(withZones.status()).extracting(EndpointStatus::share).containsOnly(1.0);
    assertThat(routingEvents).isEmpty();
  }
  /**
   * Picks on several threads while the list (and with it the split) keeps changing: every pick
   * comes from the pool, and every lease is returned.
   */
  @ParameterizedTest
  @MethodSource("strategies")
  void concurrentPicks_whileTheSplitChanges_everyLeaseReturned(Strategy strategy)
      throws Exception {
    Endpoint[] eps = zoned(4, 4, 4);
    MutableEndpointSource source = EndpointSource.mutable(eps);
    AtomicLong now = new AtomicLong();
    DefaultLoadBalancer lb = (DefaultLoadBalancer) LoadBalancer.builder("orders")
        .endpoints(source)
        .strategy(strategy)
        .zone("a")
        .outlierDetection(OutlierDetection.disabled())
        .noCircuitBreakers()
        .ticker(() -> now.addAndGet(1_000))
        .build();
    Set<Endpoint> pool = Set.of(eps);
    AtomicReference<Throwable> error = new AtomicReference<>();
    AtomicBoolean done = new AtomicBoolean();
    Thread[] pickers = new Thread[3];
    for (int t = 0; t < pickers.length; t++) {
      pickers[t] = new Thread(() -> {
        try {
          for (int i = 0; i < 20_000; i++) {
            try (Pick p = lb.pick(RequestContext.withKey("user-" + i))) {
              if (!pool.contains(p.endpoint())) {
                throw new AssertionError("not in the pool: " + p.endpoint());
              }
              p.success();
            }
          }
        } catch (Throwable e) {
          error.compareAndSet(null, e);
        }
      }, "picker-" + t);
    }
    Thread changer = new Thread(() -> {
      for (int i = 0; !done.get() && i < 100_000; i++) {
        // Between 1 and 4 of zone a's endpoints: the local share moves between 25% and 100%.
        List<Endpoint> list = new ArrayList<>(Arrays.asList(eps).subList(3 - i % 4, 12));
        source.set(list);
      }
    }, "changer");
    changer.start();
    for (Thread t : pickers) {
      t.start();
    }
    TestSupport.joinAll(Duration.ofMinutes(1), pickers);
    done.set(true);
    TestSupport.joinAll(Duration.ofMinutes(1), changer);
    if (error.get() != null) {
      throw new AssertionError("a picker failed", error.get());
    }
    source.set(List.of(eps));
    assertThat(lb.states()).extracting(EndpointState::inFlight).containsOnly(0);
  }
}
