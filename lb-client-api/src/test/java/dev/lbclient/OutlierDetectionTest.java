package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Envoy's ejection sequence and the rules around it, on virtual time. */
class OutlierDetectionTest {
  private static final Endpoint A = Endpoint.of("10.0.0.1", 80);

  private final VirtualClock clock = new VirtualClock();

  private DefaultLoadBalancer build(OutlierDetection od, String... endpoints) {
    return (DefaultLoadBalancer) LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(endpoints))
        .strategy(Strategy.roundRobin())
        .outlierDetection(od)
        .noCircuitBreakers()
        .ticker(clock)
        .timer(clock)
        .build();
  }

  private DefaultLoadBalancer fiveEndpoints() {
    return build(OutlierDetection.defaults(),
        "10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80", "10.0.0.5:80");
  }

  /** Fails one call on {@code endpoint}. */
  private static void fail(LoadBalancer lb, Endpoint endpoint) {
    try (Pick pick = lb.pick(RequestContext.none(), e -> e.sameAddress(endpoint))) {
      pick.failure(new IOException("boom"));
    }
  }

  private static void succeed(LoadBalancer lb, Endpoint endpoint) {
    try (Pick pick = lb.pick(RequestContext.none(), e -> e.sameAddress(endpoint))) {
      pick.success();
    }
  }

  private static EndpointStatus statusOf(LoadBalancer lb, Endpoint endpoint) {
    return lb.status().stream().filter(s -> s.endpoint().sameAddress(endpoint)).findFirst()
        .orElseThrow();
  }

  /** Picks enough to see every picked endpoint (round robin: one cycle and more). */
  private static Set<String> picked(LoadBalancer lb, int picks) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < picks; i++) {
      Pick pick = lb.pick();
      seen.add(pick.endpoint().address());
      pick.cancel();
    }
    return seen;
  }

  @Test
  void consecutiveFailures_fourDoNotEject_fifthDoes() {
    DefaultLoadBalancer lb = fiveEndpoints();
    for (int i = 0; i < 4; i++) {
      fail(lb, A);
    }
    assertThat(statusOf(lb, A).isEjected()).isFalse();
    fail(lb, A);
    assertThat(statusOf(lb, A).isEjected()).isTrue();
    assertThat(statusOf(lb, A).ejectedForNanos()).isEqualTo(Duration.ofSeconds(30).toNanos());
    assertThat(picked(lb, 20)).doesNotContain(A.address()).hasSize(4);
  }

  @Test
  void consecutiveFailures_successInBetweenResetsTheStreak() {
    DefaultLoadBalancer lb = fiveEndpoints();
    for (int i = 0; i < 4; i++) {
      fail(lb, A);
    }
    succeed(lb, A);
    for (int i = 0; i < 4; i++) {
      fail(lb, A);
    }
    assertThat(statusOf(lb, A).isEjected()).isFalse();
  }

  @Test
  void ejection_outAt29999ms_backAt30001ms() {
    DefaultLoadBalancer lb = fiveEndpoints();
    for (int i = 0; i < 5; i++) {
      fail(lb, A);
    }
    clock.setMillis(29_999);
    assertThat(picked(lb, 20)).doesNotContain(A.address());
    assertThat(statusOf(lb, A).isEjected()).isTrue();
    clock.setMillis(30_001);
    assertThat(picked(lb, 20)).contains(A.address()).hasSize(5);
    assertThat(statusOf(lb, A).isEjected()).isFalse();
  }

  @Test
  void ejectionTime_growsWithEachEjectionInARow_cappedAt300s() {
    DefaultLoadBalancer lb = fiveEndpoints();
    long[] expectedSeconds = {30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 300, 300};
    for (long seconds : expectedSeconds) {
      for (int i = 0; i < 5; i++) {
        fail(lb, A);
      }
      assertThat(statusOf(lb, A).ejectedForNanos())
          .as("ejection after %s s", seconds)
          .isEqualTo(Duration.ofSeconds(seconds).toNanos());
      clock.advance(Duration.ofSeconds(seconds));
      picked(lb, 5); // a pick after the ejection ends re-admits
      assertThat(statusOf(lb, A).isEjected()).isFalse();
    }
  }

  @Test
  void ejectionMultiplier_decaysByOneEachIntervalSpentIn() {
    DefaultLoadBalancer lb = fiveEndpoints();
    for (int round = 0; round < 3; round++) { // ejected 30 s, 60 s, 90 s: multiplier 3
      for (int i = 0; i < 5; i++) {
        fail(lb, A);
      }
      clock.advance(Duration.ofNanos(statusOf(lb, A).ejectedForNanos()));
      picked(lb, 5);
    }
    clock.advance(Duration.ofSeconds(20)); // two intervals of 10 s in: multiplier 3 - 2 = 1
    for (int i = 0; i < 5; i++) {
      fail(lb, A);
    }
    assertThat(statusOf(lb, A).ejectedForNanos()).isEqualTo(Duration.ofSeconds(60).toNanos());
  }

  @Test
  void ejectionCap_atMostTenPercent_butAlwaysOne() {
    String[] ten = new String[10];
    for (int i = 0; i < ten.length; i++) {
      ten[i] = "10.0.0." + (i + 1) + ":80";
    }
    DefaultLoadBalancer lb = build(OutlierDetection.defaults(), ten);
    Endpoint b = Endpoint.of("10.0.0.2", 80);
    for (int i = 0; i < 5; i++) {
      fail(lb, A);
      fail(lb, b);
    }
    assertThat(statusOf(lb, A).isEjected()).isTrue();
    assertThat(statusOf(lb, b).isEjected()).as("second of ten: over the 10%% cap").isFalse();
  }

  @Test
  void ejectionCap_twentyEndpoints_allowsTwo() {
    String[] twenty = new String[20];
    for (int i = 0; i < twenty.length; i++) {
      twenty[i] = "10.0.0." + (i + 1) + ":80";
    }
    DefaultLoadBalancer lb = build(OutlierDetection.defaults(), twenty);
    for (int e = 1; e <= 3; e++) {
      for (int i = 0; i < 5; i++) {
        fail(lb, Endpoint.of("10.0.0." + e, 80));
      }
    }
    assertThat(lb.status().stream().filter(EndpointStatus::isEjected).count()).isEqualTo(2);
  }

  @Test
  void failureRate_ejectsAtTheEndOfTheInterval() {
    DefaultLoadBalancer lb = build(OutlierDetection.builder()
            .consecutiveFailures(0).failureRate(85, 50).build(),
        "10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80");
    succeed(lb, A); // opens the first interval
    for (int i = 0; i < 50; i++) { // 44 of 50 fail (88%), never 5 in a row matter: streaks are off
      if (i % 8 == 0) {
        succeed(lb, A);
      } else {
        fail(lb, A);
      }
    }
    assertThat(statusOf(lb, A).isEjected()).as("not before the interval ends").isFalse();
    clock.advance(Duration.ofSeconds(10));
    fail(lb, A);
    assertThat(statusOf(lb, A).isEjected()).isTrue();
  }

  @Test
  void failureRate_belowMinimumCalls_doesNotEject() {
    DefaultLoadBalancer lb = build(OutlierDetection.builder()
            .consecutiveFailures(0).failureRate(85, 50).build(),
        "10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80");
    succeed(lb, A);
    for (int i = 0; i < 40; i++) {
      fail(lb, A);
    }
    clock.advance(Duration.ofSeconds(10));
    fail(lb, A);
    assertThat(statusOf(lb, A).isEjected()).isFalse();
  }

  @Test
  void disabled_neverEjects() {
    DefaultLoadBalancer lb = build(OutlierDetection.disabled(), "10.0.0.1:80", "10.0.0.2:80");
    for (int i = 0; i < 100; i++) {
      fail(lb, A);
    }
    assertThat(statusOf(lb, A).isEjected()).isFalse();
  }

  @Test
  void builder_badValues_namedInMessages() {
    assertThatThrownBy(() -> OutlierDetection.builder().consecutiveFailures(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("consecutiveFailures: -1 (expected: >= 0, 0 to disable)");
    assertThatThrownBy(() -> OutlierDetection.builder().failureRate(101, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("failureRate percent: 101 (expected: 0..100, 0 to disable)");
    assertThatThrownBy(() -> OutlierDetection.builder().failureRate(50, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("failureRate minimumCalls: 0 (expected: >= 1)");
    assertThatThrownBy(() -> OutlierDetection.builder().baseEjectionTime(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("baseEjectionTime: PT0S (expected: positive)");
    assertThatThrownBy(() -> OutlierDetection.builder().maxEjectionPercent(120))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxEjectionPercent: 120 (expected: 0..100)");
    assertThatThrownBy(() -> OutlierDetection.builder()
            .baseEjectionTime(Duration.ofSeconds(60)).maxEjectionTime(Duration.ofSeconds(30))
            .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxEjectionTime PT30S is shorter than baseEjectionTime PT1M");
  }
}
