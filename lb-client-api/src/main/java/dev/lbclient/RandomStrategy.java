package dev.lbclient;

/** Random: uniform for equal weights, else a binary search over cumulative weights. */
final class RandomStrategy extends StrategyImpl {
  static final RandomStrategy INSTANCE = new RandomStrategy();

  @Override
  public String name() {
    return "random";
  }

  @Override
  Picker newPicker(EndpointState[] states, PickerEnv env) {
    if (equalWeights(states)) {
      return new UniformPicker(states, env.rng);
    }
    long[] ends = new long[states.length];
    long end = 0;
    for (int i = 0; i < states.length; i++) {
      end += states[i].endpoint().weight();
      ends[i] = end;
    }
    return new WeightedPicker(states, ends, env.rng);
  }

  static final class UniformPicker extends Picker {
    private final Rng rng;

    UniformPicker(EndpointState[] states, Rng rng) {
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
    private final Rng rng;

    WeightedPicker(EndpointState[] states, long[] ends, Rng rng) {
      super(states);
      this.ends = ends;
      this.rng = rng;
    }

    @Override
    EndpointState pick(RequestContext context, long nowNanos) {
      long point = rng.nextLong(ends[ends.length - 1]);
      int lo = 0;
      int hi = ends.length - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (point < ends[mid]) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      return states[lo];
    }
  }
}
