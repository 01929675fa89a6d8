package dev.lbclient;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.jspecify.annotations.Nullable;

/**
 * Opens leases and records their outcomes: in-flight up at the pick and down exactly once at the
 * end, the endpoint's counters and latency estimate, the outcome for outlier detection and, for a
 * lease that holds a permission, for the endpoint's circuit breaker. Lock-free unless the outcome
 * changes state (an ejection, a breaker transition).
 */
final class Outcomes {
  static final int SUCCESS = 0;
  static final int FAILURE = 1;
  static final int CANCELLED = 2;

  private final Ticker ticker;
  private final PickerEnv env;
  private final boolean trackTotalInFlight;
  private final OutlierEjector ejector;
  private final BreakerTracker breakers;
  private final BreakerRecorder recorder;

  Outcomes(LbConfig config, PickerEnv env, OutlierEjector ejector, BreakerTracker breakers) {
    this.ticker = config.ticker;
    this.env = env;
    this.trackTotalInFlight = config.strategy.needsTotalInFlight();
    this.ejector = ejector;
    this.breakers = breakers;
    this.recorder = new BreakerRecorder(config.breakerConfig);
  }

  Ticker ticker() {
    return ticker;
  }

  /** {@code permitted}: the lease holds a permission of the endpoint's circuit breaker. */
  Lease lease(EndpointState state, long now, boolean permitted) {
    state.acquire(now);
    if (trackTotalInFlight) {
      env.totalInFlight.increment();
    }
    return new Lease(this, state, now, permitted);
  }

  /** Called exactly once per lease. */
  void complete(EndpointState state, long startNanos, int outcome, @Nullable Throwable cause,
      boolean permitted) {
    CircuitBreaker breaker = permitted ? state.breaker : null;
    if (outcome == CANCELLED) {
      if (breaker != null) {
        breaker.releasePermission();
      }
      long now = ticker.read();
      state.recordAtLeast(Math.max(0, now - startNanos), now);
    } else {
      long now = ticker.read();
      long latency = Math.max(0, now - startNanos);
      if (outcome == SUCCESS) {
        state.recordSuccess(latency, now);
        if (breaker != null) {
          recorder.success(state, breaker, latency);
        }
        ejector.onSuccess(state, now);
      } else {
        state.recordFailure(latency, now);
        if (breaker != null) {
          recorder.failure(state, breaker, latency, requireNonNull(cause));
        }
        ejector.onFailure(state, now);
      }
      if (breaker != null) {
        breakers.afterOutcome(state, breaker, now);
      }
    }
    state.release();
    if (trackTotalInFlight) {
      env.totalInFlight.decrement();
    }
  }
}
