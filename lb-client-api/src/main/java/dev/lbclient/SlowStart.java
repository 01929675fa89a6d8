package dev.lbclient;

/**
 * Slow start: an endpoint that joins, or comes back after an ejection, failed health checks or an
 * open breaker, gets a share that ramps from 10% to 100% of its normal share over the window, in
 * {@value #STEPS} steps (Envoy's ramp with aggression 1: max(10%, elapsed / window)). Off when the
 * window is 0 or the strategy is a hash strategy, whose affinity a moving weight would break.
 *
 * <p>Ramp fields are written under the update lock.
 */
final class SlowStart {
  static final int STEPS = 20;

  private final long windowNanos;
  private final boolean on;

  SlowStart(long windowNanos, StrategyImpl strategy) {
    this.windowNanos = windowNanos;
    this.on = windowNanos > 0 && strategy.supportsSlowStart();
  }

  /** Starts {@code s}'s ramp at {@code now}; does nothing when slow start is off. */
  void start(EndpointState s, long now) {
    if (on) {
      s.rampStartNanos = now;
      s.ramping = true;
    }
  }

  /** Ends the ramp of {@code s} if its window is over. */
  void finishIfDue(EndpointState s, long now) {
    if (s.ramping && now - s.rampStartNanos >= windowNanos) {
      s.ramping = false;
    }
  }

  /** When the weight of a ramping endpoint next changes: the next step, or the ramp's end. */
  long nextStep(EndpointState s, long now) {
    return Deadlines.earlier(now + windowNanos / STEPS, s.rampStartNanos + windowNanos);
  }

  /** Base weights, scaled by the ramp (10% to 100%, in whole percent) while any endpoint ramps. */
  int[] weights(StrategyImpl strategy, EndpointState[] states, long now) {
    int[] weights = strategy.baseWeights(states);
    boolean anyRamping = false;
    for (EndpointState s : states) {
      anyRamping |= s.ramping;
    }
    if (anyRamping) {
      for (int i = 0; i < states.length; i++) {
        weights[i] *= percent(states[i], now);
      }
    }
    return weights;
  }

  /** The share of {@code s} in percent: 100 unless it ramps. */
  int percent(EndpointState s, long now) {
    if (!s.ramping) {
      return 100;
    }
    long elapsed = Math.max(0, now - s.rampStartNanos);
    return (int) Math.max(10, Math.min(100, elapsed * 100 / windowNanos));
  }
}
