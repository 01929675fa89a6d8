package dev.lbclient;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A failure and a fast success racing through {@link BreakerRecorder} on a 4-call window. After
 * both, four more fast successes must push the failure out of the window whatever the order: a
 * success that was counted as following the failure while it had reached the breaker before it
 * would let the recorder leave out successes too early and keep the failure in the window. Each
 * result is (failed calls, buffered calls) of the breaker.
 */
public final class BreakerRecorderStress {
  private BreakerRecorderStress() {}

  private static final CircuitBreakerConfig CONFIG = CircuitBreakerConfig.custom()
      .slidingWindow(4, 4, SlidingWindowType.COUNT_BASED)
      .failureRateThreshold(100)
      .build();
  private static final BreakerRecorder RECORDER = new BreakerRecorder(CONFIG);
  private static final RuntimeException FAILURE = new RuntimeException("stress");
  private static final long FAST = 1_000L;

  abstract static class Base {
    final EndpointState state = new EndpointState(Endpoint.of("127.0.0.1", 1), 10_000);
    final CircuitBreaker breaker = CircuitBreaker.of("stress", CONFIG);

    Base(int successesBefore) {
      for (int i = 0; i < successesBefore; i++) {
        RECORDER.success(state, breaker, FAST);
      }
    }

    void race(boolean fail) {
      if (fail) {
        RECORDER.failure(state, breaker, FAST, FAILURE);
      } else {
        RECORDER.success(state, breaker, FAST);
      }
    }

    void observe(II_Result r) {
      for (int i = 0; i < 4; i++) {
        RECORDER.success(state, breaker, FAST);
      }
      r.r1 = breaker.getMetrics().getNumberOfFailedCalls();
      r.r2 = breaker.getMetrics().getNumberOfBufferedCalls();
    }
  }

  @JCStressTest
  @Outcome(id = "0, 4", expect = ACCEPTABLE, desc = "the failure left the window")
  @Outcome(expect = FORBIDDEN, desc = "successes left out while the failure was in the window")
  @State
  public static class FullWindow extends Base {
    public FullWindow() {
      super(4);
    }

    @Actor
    public void fail() {
      race(true);
    }

    @Actor
    public void succeed() {
      race(false);
    }

    @Arbiter
    public void arbiter(II_Result r) {
      observe(r);
    }
  }

  @JCStressTest
  @Outcome(id = "0, 4", expect = ACCEPTABLE, desc = "the failure left the window")
  @Outcome(expect = FORBIDDEN, desc = "successes left out while the failure was in the window")
  @State
  public static class AlmostFullWindow extends Base {
    public AlmostFullWindow() {
      super(3);
    }

    @Actor
    public void fail() {
      race(true);
    }

    @Actor
    public void succeed() {
      race(false);
    }

    @Arbiter
    public void arbiter(II_Result r) {
      observe(r);
    }
  }
}
