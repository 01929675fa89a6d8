package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import org.junit.jupiter.api.Test;

/** The peak-EWMA latency estimate and the counters of one endpoint, on explicit times. */
class EndpointStateTest {
  private static final double TAU_MS = 10_000.0;
  private static final long MS = 1_000_000L;

  private final EndpointState state = new EndpointState(Endpoint.of("10.0.0.1", 80), TAU_MS);

  /** The relative error of a float. */
  private static double floatTolerance(double value) {
    return Math.abs(value) * 1e-6;
  }

  @Test
  void latency_zeroBeforeFirstSample() {
    assertThat(state.latencyEstimateNanos()).isZero();
    assertThat(state.cost(123 * MS)).isZero();
  }

  @Test
  void firstSample_setsCost() {
    state.recordSuccess(20 * MS, 5_000 * MS);

    assertThat(state.latencyEstimateNanos()).isEqualTo(20e6);
    assertThat(state.cost(5_000 * MS)).isEqualTo(20e6);
    assertThat(state.successes()).isEqualTo(1);
  }

  @Test
  void firstSample_failureSetsCost() {
    state.recordFailure(7 * MS, 5_000 * MS);

    assertThat(state.latencyEstimateNanos()).isEqualTo(7e6);
    assertThat(state.failures()).isEqualTo(1);
    assertThat(state.successes()).isZero();
  }

  @Test
  void higherSample_jumpsAtOnce() {
    state.recordSuccess(20 * MS, 1_000 * MS);
    state.recordSuccess(50 * MS, 9_000 * MS);

    assertThat(state.latencyEstimateNanos()).isEqualTo(50e6);
  }

  @Test
  void lowerSample_blendsWithDecayWeight() {
    state.recordSuccess(50 * MS, 1_000 * MS);
    state.recordSuccess(10 * MS, 3_000 * MS);

    double w = Math.exp(-2_000 / TAU_MS);
    double expected = 50e6 * w + 10e6 * (1 - w);
    assertThat(state.latencyEstimateNanos()).isCloseTo(expected, within(floatTolerance(expected)));
  }

  @Test
  void lowerSample_longAfterMostlyReplaces() {
    state.recordSuccess(50 * MS, 0);
    state.recordSuccess(10 * MS, 100_000 * MS);

    double w = Math.exp(-100_000 / TAU_MS);
    double expected = 50e6 * w + 10e6 * (1 - w);
    assertThat(state.latencyEstimateNanos()).isCloseTo(expected, within(floatTolerance(expected)));
    assertThat(state.latencyEstimateNanos()).isCloseTo(10e6, withinPercentage(0.1));
  }

  @Test
  void lowerSample_sameMillisecondKeepsCost() {
    state.recordSuccess(50 * MS, 1_000 * MS);
    state.recordSuccess(10 * MS, 1_000 * MS + MS / 2);

    assertThat(state.latencyEstimateNanos()).isEqualTo(50e6);
  }

  @Test
  void cost_decaysTowardsZeroOverTime() {
    state.recordSuccess(100 * MS, 2_000 * MS);

    assertThat(state.cost(2_000 * MS)).isEqualTo(100e6);
    double oneTau = 100e6 * Math.exp(-1.0);
    assertThat(state.cost(12_000 * MS)).isCloseTo(oneTau, within(floatTolerance(oneTau)));
    double previous = Double.MAX_VALUE;
    for (long t = 2_000; t <= 200_000; t += 7_000) {
      double c = state.cost(t * MS);
      assertThat(c).isLessThan(previous).isPositive();
      previous = c;
    }
    assertThat(state.cost(600_000 * MS)).isLessThan(1.0);
  }

  @Test
  void cost_readDoesNotChangeEstimate() {
    state.recordSuccess(100 * MS, 0);
    state.cost(50_000 * MS);

    assertThat(state.latencyEstimateNanos()).isEqualTo(100e6);
  }

  @Test
  void cost_longIdleDecaysToZero() {
    state.recordSuccess(100 * MS, 0);

    assertThat(state.cost(20L * 24 * 3_600_000 * MS)).isZero();
  }

  @Test
  void cost_readingOlderThanLastSample() {
    // A pick reads the ticker, then another thread completes a call and updates the estimate
    // with a later reading; the pick's reading is now older than the estimate's.
    state.recordSuccess(20 * MS, 10 * MS);

    assertThat(state.cost(9 * MS)).isCloseTo(20e6, withinPercentage(1));
  }

  @Test
  void lowerSample_readingOlderThanLastSample() {
    // Two completions racing: the one with the earlier reading updates last.
    state.recordSuccess(50 * MS, 10 * MS);
    state.recordSuccess(10 * MS, 9 * MS);

    assertThat(state.latencyEstimateNanos()).isCloseTo(50e6, withinPercentage(1));
  }

  @Test
  void failure_neverLowersCost() {
    state.recordSuccess(50 * MS, 1_000 * MS);
    double before = state.cost(3_000 * MS);

    state.recordFailure(1 * MS, 3_000 * MS);

    assertThat(state.cost(3_000 * MS)).isGreaterThanOrEqualTo(before);
    assertThat(state.latencyEstimateNanos()).isGreaterThanOrEqualTo(before);
    assertThat(state.failures()).isEqualTo(1);
  }

  /** One slow call, then a fast failure a minute later: the old peak has faded and stays so. */
  @Test
  void failure_longAfterAPeak_doesNotReviveIt() {
    state.recordSuccess(100 * MS, 1_000 * MS);

    state.recordFailure(1 * MS, 61_000 * MS);

    assertThat(state.latencyEstimateNanos()).isLessThan(2e6);
  }

  @Test
  void failure_slowerSampleRaisesCost() {
    state.recordSuccess(50 * MS, 1_000 * MS);

    state.recordFailure(80 * MS, 1_500 * MS);

    assertThat(state.latencyEstimateNanos()).isEqualTo(80e6);
  }

  @Test
  void success_sameFastSampleLowersWhereFailureDoesNot() {
    EndpointState other = new EndpointState(Endpoint.of("10.0.0.2", 80), TAU_MS);
    state.recordSuccess(50 * MS, 1_000 * MS);
    other.recordSuccess(50 * MS, 1_000 * MS);

    state.recordSuccess(1 * MS, 3_000 * MS);
    other.recordFailure(1 * MS, 3_000 * MS);

    assertThat(state.cost(3_000 * MS)).isLessThan(other.cost(3_000 * MS));
  }

  @Test
  void negativeLatency_countsAsOneNanosecond() {
    state.recordSuccess(-5 * MS, 1_000 * MS);

    // Zero would read as "no sample yet" (and a busy endpoint would get the unmeasured penalty).
    assertThat(state.latencyEstimateNanos()).isEqualTo(1.0);
    assertThat(state.successes()).isEqualTo(1);
  }

  @Test
  void load_unmeasuredIdle() {
    assertThat(PeakEwma.load(state, 1_000 * MS)).isZero();
  }

  @Test
  void load_unmeasuredBusy() {
    state.acquire(0L);
    state.acquire(0L);
    state.acquire(0L);

    assertThat(PeakEwma.load(state, 1_000 * MS))
        .isEqualTo(EndpointState.UNMEASURED_PENALTY + 3);
    assertThat(EndpointState.UNMEASURED_PENALTY).isEqualTo(1e12);
  }

  @Test
  void load_measuredIsCostTimesInFlightPlusOne() {
    state.recordSuccess(20 * MS, 1_000 * MS);
    state.acquire(0L);
    state.acquire(0L);

    assertThat(PeakEwma.load(state, 1_000 * MS)).isEqualTo(20e6 * 3);
    double decayed = 20e6 * Math.exp(-5_000 / TAU_MS) * 3;
    assertThat(PeakEwma.load(state, 6_000 * MS))
        .isCloseTo(decayed, within(floatTolerance(decayed)));
  }

  @Test
  void inFlight_acquireAndRelease() {
    state.acquire(0L);
    state.acquire(0L);
    state.release();

    assertThat(state.inFlight()).isEqualTo(1);
  }

  @Test
  void endpoint_updateKeepsCounters() {
    state.acquire(0L);
    state.recordSuccess(5 * MS, 1_000 * MS);
    Endpoint heavier = Endpoint.of("10.0.0.1", 80).withWeight(5);

    state.endpoint(heavier);

    assertThat(state.endpoint()).isSameAs(heavier);
    assertThat(state.inFlight()).isEqualTo(1);
    assertThat(state.successes()).isEqualTo(1);
    assertThat(state.latencyEstimateNanos()).isEqualTo(5e6);
  }
}
