package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Load reports kept per endpoint, and gRPC A58's weights on virtual time. */
class LoadReportStrategyTest {
  private static final long SECOND = 1_000_000_000L;
  private final VirtualClock clock = new VirtualClock();

  private static EndpointState state(int i) {
    return new EndpointState(Endpoint.of("10.0.0." + i, 8080), 10_000);
  }

  private static LoadReport report(double rps, double cpu) {
    return LoadReport.builder().rpsFractional(rps).cpuUtilization(cpu).build();
  }

  @Test
  void weights_areA58sExactly() {
    EndpointState a = state(1);
    EndpointState b = state(2);
    EndpointState c = state(3);
    EndpointState d = state(4);
    a.report(report(100, 0.5), 0);
    // application utilization wins over CPU when above 0
    b.report(LoadReport.builder().rpsFractional(100).cpuUtilization(0.9)
        .applicationUtilization(0.25).build(), 0);
    // errors: 50 / (0.5 + 10 / 50 x 1)
    c.report(LoadReport.builder().rpsFractional(50).cpuUtilization(0.5).eps(10).build(), 0);
    // d never reports: it gets the mean

    double[] w = LoadReportStrategy.weights(new EndpointState[] {a, b, c, d}, 10 * SECOND);

    double wa = 100 / 0.5;
    double wb = 100 / 0.25;
    double wc = 50 / (0.5 + 10.0 / 50 * 1.0);
    double mean = (wa + wb + wc) / 3;
    assertThat(w).containsExactly(new double[] {wa / mean, wb / mean, wc / mean, 1.0},
        within(1e-12));
  }

  @Test
  void weights_clampedToATenthAndTenTimesTheMean() {
    EndpointState[] states = new EndpointState[30];
    for (int i = 0; i < states.length; i++) {
      states[i] = state(i + 1);
      states[i].report(i == 0 ? report(10_000, 1) : report(10, 1), 0);
    }

    double[] w = LoadReportStrategy.weights(states, 10 * SECOND);

    // mean = (10000 + 29 x 10) / 30 = 343: 29.2x and 0.029x the mean, clamped
    assertThat(w[0]).isEqualTo(10.0);
    assertThat(w[1]).isEqualTo(0.1);
    assertThat(w[29]).isEqualTo(0.1);
  }

  @Test
  void weights_blackoutOfTenSecondsFromTheFirstReport() {
    EndpointState a = state(1);
    EndpointState b = state(2);
    for (long t = 0; t <= 10; t++) {
      a.report(report(100, 0.5), t * SECOND);
      b.report(report(100, 0.25), t * SECOND);
      double[] w = LoadReportStrategy.weights(new EndpointState[] {a, b}, t * SECOND);
      if (t < 10) {
        assertThat(w).as("at %d s", t).isNull();
      } else {
        assertThat(w).containsExactly(new double[] {2.0 / 3, 4.0 / 3}, within(1e-12));
      }
    }
    assertThat(LoadReportStrategy.weights(new EndpointState[] {a, b}, 10 * SECOND - 1)).isNull();
  }

  @Test
  void weights_expireAfterThreeMinutes_andANewRunStartsANewBlackout() {
    EndpointState a = state(1);
    EndpointState b = state(2);
    EndpointState[] both = {a, b};
    a.report(report(100, 0.5), 0);
    b.report(report(100, 0.25), 0);
    long expiry = 180 * SECOND;

    assertThat(LoadReportStrategy.weights(both, expiry - 1)).isNotNull();
    assertThat(LoadReportStrategy.weights(both, expiry)).isNull();
    assertThat(ReportedLoad.inFlight(a.reported, expiry)).isEqualTo(-1);

    a.report(report(100, 0.5), expiry);
    b.report(report(100, 0.25), expiry);
    assertThat(LoadReportStrategy.weights(both, expiry + 9 * SECOND)).isNull();
    assertThat(LoadReportStrategy.weights(both, expiry + 10 * SECOND)).isNotNull();
  }

  @Test
  void weights_reportsWithoutRateOrUtilizationGiveNone_butAreKept() {
    EndpointState a = state(1);
    EndpointState b = state(2);
    a.report(report(100, 0.5), 0);
    b.report(report(100, 0.5), 0);
    a.report(LoadReport.builder().cpuUtilization(0.5).inFlight(4).build(), SECOND);
    b.report(report(100, 0), SECOND);

    // the last weight reports still count; the later ones only carry other news
    assertThat(LoadReportStrategy.weights(new EndpointState[] {a, b}, 10 * SECOND))
        .containsExactly(1.0, 1.0);
    assertThat(ReportedLoad.inFlight(a.reported, 10 * SECOND)).isEqualTo(4);
    assertThat(ReportedLoad.inFlight(b.reported, 10 * SECOND)).isEqualTo(-1);

    EndpointState fresh = state(3);
    fresh.report(report(0, 0.5), 0);
    fresh.report(report(100, 0.5), 5 * SECOND);
    // the blackout counts from the first report with a weight
    assertThat(fresh.reported.weight(14 * SECOND, LoadReportStrategy.BLACKOUT_NANOS, 1.0))
        .isZero();
    assertThat(fresh.reported.weight(15 * SECOND, LoadReportStrategy.BLACKOUT_NANOS, 1.0))
        .isEqualTo(200.0);
  }

  @Test
  void pick_roundRobinDuringBlackout_thenInProportionOnTheTimer() {
    Endpoint[] eps = TestSupport.endpoints(3);
    LoadBalancer lb = LoadBalancer.builder("orders").endpoints(EndpointSource.of(eps))
        .strategy(Strategy.weightedByLoadReports()).outlierDetection(OutlierDetection.disabled())
        .noCircuitBreakers().rng(Randoms.seeded(7)).ticker(clock).timer(clock).build();
    Map<Endpoint, LoadReport> reports = Map.of(eps[0], report(100, 0.4), eps[1],
        report(100, 0.2), eps[2], report(100, 0.1));

    Map<Endpoint, Integer> before = picks(lb, 3000, reports);
    clock.advance(Duration.ofSeconds(10)); // no pick meanwhile: the timer rebuilds the picker
    Map<Endpoint, Integer> after = picks(lb, 3000, null);

    assertThat(before).containsExactlyInAnyOrderEntriesOf(
        Map.of(eps[0], 1000, eps[1], 1000, eps[2], 1000));
    // weights 250, 500 and 1000, mean 583.3: 0.4286, 0.8571 and 1.7143 x 1000 = 3000 per cycle
    assertThat(after).containsExactlyInAnyOrderEntriesOf(
        Map.of(eps[0], 429, eps[1], 857, eps[2], 1714));
    lb.close();
  }

  @Test
  void pick_smooth_noEndpointTwiceInARowBelowItsShare() {
    Endpoint[] eps = TestSupport.endpoints(4);
    LoadBalancer lb = LoadBalancer.builder("orders").endpoints(EndpointSource.of(eps))
        .strategy(Strategy.weightedByLoadReports()).outlierDetection(OutlierDetection.disabled())
        .noCircuitBreakers().rng(Randoms.seeded(7)).ticker(clock).timer(clock).build();
    Map<Endpoint, LoadReport> reports = Map.of(eps[0], report(100, 0.9), eps[1],
        report(100, 0.5), eps[2], report(100, 0.5), eps[3], report(100, 0.2));
    picks(lb, 4, reports);
    clock.advance(Duration.ofSeconds(10));

    Endpoint previous = null;
    for (int i = 0; i < 2000; i++) {
      try (Pick p = lb.pick()) {
        if (!p.endpoint().equals(eps[3])) {
          assertThat(p.endpoint()).isNotEqualTo(previous);
        }
        previous = p.endpoint();
        p.success();
      }
    }
    lb.close();
  }

  @Test
  void reportLoad_throughTheLease_keptForItsEndpoint() {
    Endpoint[] eps = TestSupport.endpoints(2);
    DefaultLoadBalancer lb = (DefaultLoadBalancer) LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(eps)).ticker(clock).timer(clock).build();
    Endpoint served;
    try (Pick p = lb.pick()) {
      served = p.endpoint();
      p.success();
      p.reportLoad(LoadReport.builder().inFlight(9).build()); // after the outcome is fine
    }
    assertThat(lb.stats()).hasSize(2);
    for (EndpointStats s : lb.stats()) {
      int expected = s.endpoint().equals(served) ? 9 : -1;
      assertThat(ReportedLoad.inFlight(((EndpointState) s).reported, clock.read()))
          .isEqualTo(expected);
    }
    lb.close();
  }

  private static Map<Endpoint, Integer> picks(LoadBalancer lb, int n,
      Map<Endpoint, LoadReport> reports) {
    Map<Endpoint, Integer> counts = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      try (Pick p = lb.pick()) {
        counts.merge(p.endpoint(), 1, Integer::sum);
        if (reports != null) {
          p.reportLoad(reports.get(p.endpoint()));
        }
        p.success();
      }
    }
    return counts;
  }
}
