package dev.lbclient;

import java.util.random.RandomGenerator;

/** Random: uniform for equal weights, else a binary search over cumulative weights. */
final class RandomStrategy extends StrategyImpl {
  static final RandomStrategy INSTANCE = new RandomStrategy();

  @Override
  public String name() {
    return "random";
  }

  @Override
  Picker newPicker(EndpointState[] states, int[] weights, PickerEnv env) {
    if (allEqual(weights)) {
      return new UniformPicker(states, env.rng);
    }
    return new WeightedPicker(states, cumulative(weights), env.rng);
  }

  static final class UniformPicker extends Picker {
    private final RandomGenerator rng;

    UniformPicker(EndpointState[] states, RandomGenerator rng) {
      super(states);
      this.rng = rng;
    }

    @Override
    EndpointState pick(RequestContext context, long nowNanos) {
      return states[rng.nextInt(states.length)];
    }
  }

  static final class WeightedPicker extends Picker {
    private final long[] ends;
    private final RandomGenerator rng;

    WeightedPicker(EndpointState[] states, long[] ends, RandomGenerator rng) {
      super(states);
      this.ends = ends;
      this.rng = rng;
    }

    @Override
    EndpointState pick(RequestContext context, long nowNanos) {
      return states[search(ends, rng.nextLong(ends[ends.length - 1]))];
    }
  }
}
