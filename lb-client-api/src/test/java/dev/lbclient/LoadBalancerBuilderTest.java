package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LoadBalancerBuilderTest {
  private static final Endpoint A = Endpoint.of("10.0.0.1", 80);
  private static final Endpoint B = Endpoint.of("10.0.0.2", 80);

  /** A source that hands its listener to the test and reports nothing by itself. */
  static final class ManualSource implements EndpointSource {
    EndpointSource.Listener listener;
    final AtomicInteger closed = new AtomicInteger();
    private final String failureAtStart;

    ManualSource(String failureAtStart) {
      this.failureAtStart = failureAtStart;
    }

    @Override
    public Subscription start(Listener listener) {
      this.listener = listener;
      if (failureAtStart != null) {
        listener.onError(failureAtStart, new RuntimeException("lookup failed"));
      }
      return closed::incrementAndGet;
    }

    @Override
    public String description() {
      return "SRV _http._tcp.orders.internal";
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t\n"})
  void serviceName_blank(String name) {
    assertThatThrownBy(() -> LoadBalancer.builder(name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("serviceName: '" + name + "' (expected: a non-blank name)");
  }

  @Test
  void serviceName_null() {
    assertThatThrownBy(() -> LoadBalancer.builder(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("serviceName");
  }

  @Test
  void serviceName_keptAsGiven() {
    try (LoadBalancer lb = LoadBalancer.builder("orders").endpoints(EndpointSource.of(A))
        .build()) {
      assertThat(lb.serviceName()).isEqualTo("orders");
    }
  }

  @Test
  void endpoints_notSet() {
    assertThatThrownBy(() -> LoadBalancer.builder("orders").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("endpoints: not set (call endpoints(EndpointSource) before build())");
  }

  @Test
  void endpoints_setTwice() {
    LoadBalancer.Builder b = LoadBalancer.builder("orders").endpoints(EndpointSource.of(A));
    assertThatThrownBy(() -> b.endpoints(EndpointSource.of(B)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("endpoints was already set to static [10.0.0.1:80]");
  }

  @Test
  void strategy_setTwice() {
    LoadBalancer.Builder b = LoadBalancer.builder("orders").strategy(Strategy.roundRobin());
    assertThatThrownBy(() -> b.strategy(Strategy.leastTime()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("strategy was already set to roundRobin");
  }

  @Test
  void strategy_setTwiceKeepsTheFirst() {
    LoadBalancer.Builder b = LoadBalancer.builder("orders").endpoints(EndpointSource.of(A))
        .strategy(Strategy.roundRobin());
    assertThatThrownBy(() -> b.strategy(Strategy.random()))
        .isInstanceOf(IllegalStateException.class);
    try (LoadBalancer lb = b.build()) {
      assertThat(lb.strategy()).isSameAs(Strategy.roundRobin());
    }
  }

  @Test
  void peakEwmaDecay_setTwice() {
    LoadBalancer.Builder b = LoadBalancer.builder("orders").peakEwmaDecay(Duration.ofSeconds(10));
    assertThatThrownBy(() -> b.peakEwmaDecay(Duration.ofSeconds(5)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("peakEwmaDecay was already set to PT10S");
  }

  @Test
  void setters_nullArguments() {
    LoadBalancer.Builder b = LoadBalancer.builder("orders");
    assertThatThrownBy(() -> b.endpoints(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("source");
    assertThatThrownBy(() -> b.strategy(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("strategy");
    assertThatThrownBy(() -> b.ticker(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("ticker");
    assertThatThrownBy(() -> b.peakEwmaDecay(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("decay");
    assertThatThrownBy(() -> b.removedEndpointGrace(null))
        .isInstanceOf(NullPointerException.class).hasMessage("grace");
  }

  @Test
  void peakEwmaDecay_bounds() {
    LoadBalancer.builder("a").peakEwmaDecay(Duration.ofMillis(1));
    LoadBalancer.builder("b").peakEwmaDecay(Duration.ofHours(1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"PT0S", "PT0.000999999S", "PT1H0.001S", "PT-1S", "PT24H"})
  void peakEwmaDecay_outOfRange(String decay) {
    Duration d = Duration.parse(decay);
    assertThatThrownBy(() -> LoadBalancer.builder("orders").peakEwmaDecay(d))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("peakEwmaDecay: " + d + " (expected: PT0.001S..PT1H)");
  }

  @Test
  void removedEndpointGrace_negative() {
    assertThatThrownBy(() -> LoadBalancer.builder("orders")
        .removedEndpointGrace(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("removedEndpointGrace: PT-1S (expected: zero or positive)");
  }

  @Test
  void removedEndpointGrace_zeroAllowed() {
    try (LoadBalancer lb = LoadBalancer.builder("orders").endpoints(EndpointSource.of(A))
        .removedEndpointGrace(Duration.ZERO).build()) {
      assertThat(lb.endpoints()).containsExactly(A);
    }
  }

  @ParameterizedTest
  @ValueSource(doubles = {1.0, 0.5, -2, Double.NaN, Double.POSITIVE_INFINITY})
  void boundedLoadFactor_outOfRange(double factor) {
    assertThatThrownBy(() -> Strategy.consistentHashWithBoundedLoad(factor))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("loadFactor: " + factor + " (expected: a finite number > 1, e.g. 1.25)");
  }

  @Test
  void strategy_defaultIsPowerOfTwoChoices() {
    try (LoadBalancer lb = LoadBalancer.builder("orders").endpoints(EndpointSource.of(A))
        .build()) {
      assertThat(lb.strategy()).isSameAs(Strategy.powerOfTwoChoices());
      assertThat(lb.strategy().name()).isEqualTo("powerOfTwoChoices");
    }
  }

  @Test
  void strategy_names() {
    assertThat(TestSupport.allStrategies().map(Strategy::name)).containsExactly(
        "roundRobin", "weightedRoundRobin", "leastConnections", "leastTime",
        "powerOfTwoChoices", "powerOfTwoChoices.inFlight", "consistentHash",
        "consistentHash.boundedLoad(1.25)", "ipHash", "random");
  }

  @Test
  void build_staticSourceReadyAtOnce() {
    try (LoadBalancer lb = LoadBalancer.builder("orders").endpoints(EndpointSource.of(A, B))
        .build()) {
      assertThat(lb.endpoints()).containsExactly(A, B);
      assertThat(lb.stats()).extracting(EndpointStats::endpoint).containsExactly(A, B);
      assertThat(lb.sourceStatus().isStale()).isFalse();
    }
  }

  @Test
  void pick_afterClose() {
    LoadBalancer lb = LoadBalancer.builder("orders").endpoints(EndpointSource.of(A)).build();
    lb.close();

    assertThatThrownBy(lb::pick)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("load balancer for orders is closed");
    assertThatThrownBy(() -> lb.pick(RequestContext.withKey("k")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("load balancer for orders is closed");
  }

  @Test
  void close_idempotentAndClosesSubscriptionOnce() {
    ManualSource source = new ManualSource(null);
    LoadBalancer lb = LoadBalancer.builder("orders").endpoints(source).build();

    lb.close();
    lb.close();

    assertThat(source.closed).hasValue(1);
  }

  @Test
  void close_ignoresLaterSnapshots() {
    MutableEndpointSource source = EndpointSource.mutable(A);
    LoadBalancer lb = LoadBalancer.builder("orders").endpoints(source).build();
    lb.close();

    source.set(B);

    assertThat(lb.endpoints()).containsExactly(A);
    assertThatThrownBy(lb::pick).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void close_leaseStillCompletes() {
    DefaultLoadBalancer lb = (DefaultLoadBalancer) LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(A)).build();
    Pick pick = lb.pick();
    lb.close();

    pick.success();

    assertThat(lb.stats().get(0).inFlight()).isZero();
    assertThat(lb.stats().get(0).successes()).isEqualTo(1);
  }

  @Test
  void pick_beforeFirstSnapshot() {
    ManualSource source = new ManualSource(null);
    try (LoadBalancer lb = LoadBalancer.builder("orders").endpoints(source).build()) {
      assertThatThrownBy(lb::pick)
          .isInstanceOf(NoEndpointAvailableException.class)
          .hasMessage("no endpoints yet for orders: waiting for SRV _http._tcp.orders.internal");
      assertThat(lb.sourceStatus().isStale()).isFalse();
    }
  }

  @Test
  void pick_sourceFailedBeforeFirstSnapshot() {
    AtomicLong now = new AtomicLong(123_456_789L);
    ManualSource source = new ManualSource("SRV _http._tcp.orders.internal failed: SERVFAIL");
    try (LoadBalancer lb = LoadBalancer.builder("orders").endpoints(source).ticker(now::get)
        .build()) {
      assertThatThrownBy(lb::pick)
          .isInstanceOf(NoEndpointAvailableException.class)
          .hasMessage("no endpoints yet for orders: SRV _http._tcp.orders.internal failed: "
              + "SERVFAIL")
          .satisfies(e -> assertThat(((NoEndpointAvailableException) e).reason())
              .isEqualTo("no endpoints yet for orders: SRV _http._tcp.orders.internal failed: "
                  + "SERVFAIL"));
      SourceStatus status = lb.sourceStatus();
      assertThat(status.isStale()).isTrue();
      assertThat(status.staleSinceNanos()).isEqualTo(123_456_789L);
      assertThat(status.lastError())
          .isEqualTo("SRV _http._tcp.orders.internal failed: SERVFAIL");
      assertThat(status.consecutiveFailures()).isEqualTo(1);
    }
  }

  @Test
  void sourceStatus_snapshotClearsStaleness() {
    AtomicLong now = new AtomicLong(5_000L);
    ManualSource source = new ManualSource("SRV _http._tcp.orders.internal failed: SERVFAIL");
    try (LoadBalancer lb = LoadBalancer.builder("orders").endpoints(source).ticker(now::get)
        .build()) {
      now.addAndGet(1_000_000L);
      source.listener.onEndpoints(List.of(A));

      assertThat(lb.sourceStatus().isStale()).isFalse();
      assertThat(lb.sourceStatus().staleSinceNanos()).isZero();
      assertThat(lb.sourceStatus().lastError()).isNull();
      assertThat(lb.sourceStatus().consecutiveFailures()).isZero();
      try (Pick p = lb.pick()) {
        assertThat(p.endpoint()).isEqualTo(A);
      }
    }
  }

  @Test
  void sourceStatus_failuresAfterSnapshotKeepLastGoodList() {
    AtomicLong now = new AtomicLong(1_000L);
    ManualSource source = new ManualSource(null);
    try (LoadBalancer lb = LoadBalancer.builder("orders").endpoints(source).ticker(now::get)
        .build()) {
      source.listener.onEndpoints(List.of(A, B));
      now.set(2_000L);
      source.listener.onError("timeout", null);
      now.set(3_000L);
      source.listener.onError("SERVFAIL", null);

      SourceStatus status = lb.sourceStatus();
      assertThat(status.isStale()).isTrue();
      assertThat(status.staleSinceNanos()).isEqualTo(2_000L);
      assertThat(status.consecutiveFailures()).isEqualTo(2);
      assertThat(status.lastError()).isEqualTo("SERVFAIL");
      assertThat(lb.endpoints()).containsExactly(A, B);
      try (Pick p = lb.pick()) {
        assertThat(p.endpoint()).isIn(A, B);
      }
    }
  }

  @Test
  void pick_nullContext() {
    try (LoadBalancer lb = LoadBalancer.builder("orders").endpoints(EndpointSource.of(A))
        .build()) {
      assertThatThrownBy(() -> lb.pick(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("context");
    }
  }
}
