package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ServerPoolTest {
  private static final long MS = 1_000_000L;
  private static final Duration GRACE = Duration.ofSeconds(60);
  private static final Endpoint A = Endpoint.of("10.0.0.1", 80);
  private static final Endpoint B = Endpoint.of("10.0.0.2", 80);
  private static final Endpoint C = Endpoint.of("10.0.0.3", 80);

  private final AtomicLong now = new AtomicLong(1_000 * MS);
  private final MutableEndpointSource source = EndpointSource.mutable(A);
  private final DefaultLoadBalancer lb = (DefaultLoadBalancer) LoadBalancer.builder("orders")
      .endpoints(source)
      .strategy(Strategy.roundRobin())
      .ticker(now::get)
      .removedEndpointGrace(GRACE)
      .build();

  /** One call to A (the only endpoint): 30 ms, success. */
  private EndpointState callA() {
    try (Pick p = lb.pick()) {
      assertThat(p.endpoint().address()).isEqualTo(A.address());
      now.addAndGet(30 * MS);
      p.success();
    }
    return lb.states()[0];
  }

  @Test
  void refresh_keepsStateWhenWeightChanges() {
    EndpointState a = callA();
    Pick open = lb.pick();

    source.set(A.withWeight(5), B);

    EndpointState after = lb.states()[0];
    assertThat(after).isSameAs(a);
    assertThat(after.endpoint()).isEqualTo(A.withWeight(5));
    assertThat(after.inFlight()).isEqualTo(1);
    assertThat(after.successes()).isEqualTo(1);
    assertThat(after.latencyEstimateNanos()).isEqualTo(30e6);
    assertThat(lb.endpoints()).containsExactly(A.withWeight(5), B);

    open.failure(new RuntimeException("boom"));
    assertThat(after.inFlight()).isZero();
    assertThat(after.failures()).isEqualTo(1);
  }

  @Test
  void refresh_keepsStateWhenZoneAndAttributesChange() {
    EndpointState a = callA();

    source.set(B, A.withZone("eu-west-1a").withAttribute("canary", "true"));

    assertThat(lb.states()[1]).isSameAs(a);
    assertThat(lb.states()[1].endpoint().zone()).isEqualTo("eu-west-1a");
    assertThat(lb.states()[1].successes()).isEqualTo(1);
  }

  @Test
  void refresh_newAddressGetsFreshState() {
    callA();

    source.set(Endpoint.of("10.0.0.1", 81));

    assertThat(lb.states()[0].successes()).isZero();
    assertThat(lb.states()[0].latencyEstimateNanos()).isZero();
  }

  @Test
  void refresh_statesInSnapshotOrder() {
    source.set(C, A, B);

    assertThat(lb.states()).extracting(EndpointState::endpoint).containsExactly(C, A, B);
  }

  @Test
  void duplicates_mergedFirstWins() {
    source.set(A, B, A.withWeight(5), B.withZone("z"), C);

    assertThat(lb.endpoints()).containsExactly(A, B, C);
    assertThat(lb.pool().size()).isEqualTo(3);
  }

  @Test
  void duplicates_firstOccurrenceDecidesWeight() {
    ServerPool pool = new ServerPool("orders", 10_000, GRACE, now::get);

    EndpointState[] states = pool.reconcile(List.of(A.withWeight(7), A, A.withWeight(3))).states;

    assertThat(states).hasSize(1);
    assertThat(states[0].endpoint().weight()).isEqualTo(7);
  }

  @Test
  void removed_comesBackWithinGrace() {
    EndpointState a = callA();
    source.set(B);
    assertThat(lb.pool().remembered()).isEqualTo(1);

    now.addAndGet(GRACE.toNanos() - 1_000 * MS);
    source.set(A, B);

    assertThat(lb.states()[0]).isSameAs(a);
    assertThat(lb.states()[0].successes()).isEqualTo(1);
    assertThat(lb.states()[0].latencyEstimateNanos()).isEqualTo(30e6);
    assertThat(lb.pool().remembered()).isZero();
  }

  @Test
  void removed_forgottenAfterGrace() {
    EndpointState a = callA();
    source.set(B);

    now.addAndGet(GRACE.toNanos() + 1_000 * MS);
    assertThat(lb.pool().remembered()).isZero();
    source.set(A, B);

    assertThat(lb.states()[0]).isNotSameAs(a);
    assertThat(lb.states()[0].successes()).isZero();
    assertThat(lb.states()[0].latencyEstimateNanos()).isZero();
  }

  @Test
  void removed_graceCountsFromRemoval() {
    EndpointState a = callA();
    now.addAndGet(GRACE.toNanos() * 3);
    source.set(B);

    now.addAndGet(GRACE.toNanos() / 2);
    source.set(A);

    assertThat(lb.states()[0]).isSameAs(a);
  }

  @Test
  void removed_zeroGraceForgetsAtOnce() {
    ServerPool pool = new ServerPool("orders", 10_000, Duration.ZERO, now::get);
    EndpointState a = pool.reconcile(List.of(A)).states[0];
    pool.reconcile(List.of(B));

    assertThat(pool.reconcile(List.of(A, B)).states[0]).isNotSameAs(a);
  }

  @Test
  void removed_leaseCompletesOnRememberedState() {
    Pick open = lb.pick();
    EndpointState a = lb.states()[0];
    source.set(B);

    now.addAndGet(10 * MS);
    open.success();
    source.set(A, B);

    assertThat(lb.states()[0]).isSameAs(a);
    assertThat(a.inFlight()).isZero();
    assertThat(a.successes()).isEqualTo(1);
    assertThat(a.latencyEstimateNanos()).isEqualTo(10e6);
  }

  @Test
  void remembered_countsRemovedStates() {
    ServerPool pool = new ServerPool("orders", 10_000, GRACE, now::get);
    Endpoint[] five = TestSupport.endpoints(5);
    pool.reconcile(List.of(five));

    pool.reconcile(List.of(five[2]));

    assertThat(pool.remembered()).isEqualTo(4);
    assertThat(pool.size()).isEqualTo(1);
  }

  @Test
  void remembered_bounded() {
    ServerPool pool = new ServerPool("orders", 10_000, GRACE, now::get);
    List<Endpoint> many = new ArrayList<>();
    for (int i = 0; i < ServerPool.MAX_REMEMBERED + 500; i++) {
      many.add(Endpoint.of("10." + (i >> 16) + "." + ((i >> 8) & 0xff) + "." + (i & 0xff), 80));
    }
    pool.reconcile(many);

    pool.reconcile(List.of(A));

    assertThat(pool.remembered()).isLessThanOrEqualTo(ServerPool.MAX_REMEMBERED)
        .isGreaterThan(ServerPool.MAX_REMEMBERED / 2);
  }
}
