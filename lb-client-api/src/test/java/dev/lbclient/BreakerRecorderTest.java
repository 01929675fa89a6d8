package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.io.IOException;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BreakerRecorderTest {
  private static final long FAST = 1_000_000L;
  private static final IOException BOOM = new IOException("boom");

  private final CircuitBreakerConfig config = CircuitBreakerConfig.custom()
      .slidingWindow(20, 10, SlidingWindowType.COUNT_BASED)
      .failureRateThreshold(50)
      .slowCallDurationThreshold(Duration.ofMillis(100))
      .slowCallRateThreshold(50)
      .permittedNumberOfCallsInHalfOpenState(3)
      .build();

  private final EndpointState state = new EndpointState(Endpoint.of("a", 1), 10_000);
  private final CircuitBreaker breaker = CircuitBreaker.of("a", config);
  private final AtomicInteger recorded = new AtomicInteger();

  BreakerRecorderTest() {
    breaker.getEventPublisher().onSuccess(e -> recorded.incrementAndGet());
    breaker.getEventPublisher().onError(e -> recorded.incrementAndGet());
  }

  @Test
  void success_onAWindowFullOfFastSuccesses_isNotRecorded() {
    BreakerRecorder recorder = new BreakerRecorder(config);

    for (int i = 0; i < 100; i++) {
      recorder.success(state, breaker, FAST);
    }

    assertThat(recorded).hasValue(20);
    assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isEqualTo(20);
    assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(20);
  }

  @Test
  void failure_isAlwaysRecorded_andTheWindowMustFillAgainBeforeSuccessesAreLeftOut() {
    BreakerRecorder recorder = new BreakerRecorder(config);
    for (int i = 0; i < 30; i++) {
      recorder.success(state, breaker, FAST);
    }

    recorder.failure(state, breaker, FAST, BOOM);
    assertThat(recorded).hasValue(21);
    assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);

    for (int i = 0; i < 19; i++) {
      recorder.success(state, breaker, FAST);
    }
    // 19 successes since the failure are all recorded: the failure is still in the window.
    assertThat(recorded).hasValue(40);
    assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
    recorder.success(state, breaker, FAST);
    assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
    recorder.success(state, breaker, FAST);
    assertThat(recorded).hasValue(41);
  }

  @Test
  void slowSuccess_isAlwaysRecorded() {
    BreakerRecorder recorder = new BreakerRecorder(config);
    for (int i = 0; i < 20; i++) {
      recorder.success(state, breaker, FAST);
    }

    recorder.success(state, breaker, Duration.ofMillis(101).toNanos());

    assertThat(recorded).hasValue(21);
    assertThat(breaker.getMetrics().getNumberOfSlowSuccessfulCalls()).isEqualTo(1);
  }

  @Test
  void timeBasedWindow_recordsEveryOutcome() {
    CircuitBreakerConfig timeBased = CircuitBreakerConfig.custom()
        .slidingWindow(10, 5, SlidingWindowType.TIME_BASED).build();
    BreakerRecorder recorder = new BreakerRecorder(timeBased);

    for (int i = 0; i < 50; i++) {
      recorder.success(state, breaker, FAST);
    }

    assertThat(recorded).hasValue(50);
  }

  @Test
  void successesOutsideClosed_areRecordedAndNotCounted() {
    BreakerRecorder recorder = new BreakerRecorder(config);
    breaker.transitionToOpenState();
    breaker.transitionToHalfOpenState();

    // Two of the three probes succeed: HALF_OPEN still, both recorded, neither counted.
    recorder.success(state, breaker, FAST);
    recorder.success(state, breaker, FAST);
    assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    recorder.success(state, breaker, FAST);
    assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(recorded).hasValue(3);

    // The new CLOSED window starts empty: twenty more are recorded before any is left out.
    for (int i = 0; i < 25; i++) {
      recorder.success(state, breaker, FAST);
    }
    assertThat(recorded).hasValue(23);
    assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isEqualTo(20);
  }

  /**
   * Random sequences of fast successes, slow successes and failures, with probes let in whenever
   * the breaker is OPEN: a breaker fed through the recorder is in the same state, with the same
   * failure and slow-call counts, as one fed every outcome, after every step.
   */
  @Test
  void anySequence_leavesTheBreakerAsRecordingEveryOutcomeWould() {
    SplittableRandom random = new SplittableRandom(42);
    for (int run = 0; run < 200; run++) {
      double failureShare = random.nextDouble(0.3);
      double slowShare = random.nextDouble(0.2);
      CircuitBreaker direct = CircuitBreaker.of("direct", config);
      CircuitBreaker viaRecorder = CircuitBreaker.of("recorder", config);
      EndpointState s = new EndpointState(Endpoint.of("b", 1), 10_000);
      BreakerRecorder recorder = new BreakerRecorder(config);
      for (int step = 0; step < 500; step++) {
        if (direct.getState() == CircuitBreaker.State.OPEN) {
          direct.transitionToHalfOpenState();
          viaRecorder.transitionToHalfOpenState();
        }
        double r = random.nextDouble();
        if (r < failureShare) {
          direct.onError(FAST, TimeUnit.NANOSECONDS, BOOM);
          recorder.failure(s, viaRecorder, FAST, BOOM);
        } else {
          long latency = r < failureShare + slowShare ? Duration.ofMillis(150).toNanos() : FAST;
          direct.onSuccess(latency, TimeUnit.NANOSECONDS);
          recorder.success(s, viaRecorder, latency);
        }
        String where = "run " + run + " step " + step;
        assertThat(viaRecorder.getState()).as(where).isEqualTo(direct.getState());
        CircuitBreaker.Metrics d = direct.getMetrics();
        CircuitBreaker.Metrics v = viaRecorder.getMetrics();
        assertThat(v.getNumberOfBufferedCalls()).as(where).isEqualTo(d.getNumberOfBufferedCalls());
        assertThat(v.getNumberOfFailedCalls()).as(where).isEqualTo(d.getNumberOfFailedCalls());
        assertThat(v.getNumberOfSlowCalls()).as(where).isEqualTo(d.getNumberOfSlowCalls());
        assertThat(v.getFailureRate()).as(where).isEqualTo(d.getFailureRate());
      }
    }
  }
}
