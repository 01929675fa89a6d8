package dev.lbclient;

import java.util.random.RandomGenerator;

/**
 * Power of two choices. Over peak-EWMA load (the default strategy) the two candidates are the
 * endpoint remembered from the previous pick and a fresh one, see {@link RememberingPicker}. Over
 * in-flight calls it is the classic rule (Mitzenmacher): two distinct endpoints at random, the
 * lower load per unit of weight wins. With equal weights the pair is drawn uniformly as an ordered pair (i uniform, j
 * uniform over the others), so returning the first on a tie is a fair coin. With different weights
 * each candidate is drawn in proportion to its weight, so that an idle pool (every load 0, every
 * comparison a tie) still serves each endpoint its weighted share.
 */
final class PowerOfTwoChoicesStrategy extends StrategyImpl {
  static final PowerOfTwoChoicesStrategy PEAK_EWMA = new PowerOfTwoChoicesStrategy(true);
  static final PowerOfTwoChoicesStrategy IN_FLIGHT = new PowerOfTwoChoicesStrategy(false);

  private final boolean latency;

  private PowerOfTwoChoicesStrategy(boolean latency) {
    this.latency = latency;
  }

  @Override
  public String name() {
    return latency ? "powerOfTwoChoices" : "powerOfTwoChoices.inFlight";
  }

  @Override
  Picker newPicker(EndpointState[] states, int[] weights, PickerEnv env) {
    if (latency) {
      return new RememberingPicker(states, weights, env.rng);
    }
    return new P2cPicker(states, inverse(weights), allEqual(weights) ? null : cumulative(weights),
        env.rng);
  }

  /** The classic rule over in-flight calls. */
  static final class P2cPicker extends Picker {
    /** 1 / weight. */
    private final double[] weightTerms;
    /** Cumulative weights when they differ, else null. */
    private final long @org.jspecify.annotations.Nullable [] ends;
    private final RandomGenerator rng;

    P2cPicker(EndpointState[] states, double[] weightTerms,
        long @org.jspecify.annotations.Nullable [] ends, RandomGenerator rng) {
      super(states);
      this.weightTerms = weightTerms;
      this.ends = ends;
      this.rng = rng;
    }

    @Override
    EndpointState pick(RequestContext context, long nowNanos) {
      int n = states.length;
      if (n == 1) {
        return states[0];
      }
      long packed = pair(n);
      int a = (int) (packed >>> 32);
      int b = (int) packed;
      return load(b, nowNanos) < load(a, nowNanos) ? states[b] : states[a];
    }

    /** Two distinct indexes, packed in one long to stay allocation-free. */
    private long pair(int n) {
      int a;
      int b;
      if (ends == null) {
        a = rng.nextInt(n);
        b = rng.nextInt(n - 1);
        if (b >= a) {
          b++;
        }
      } else {
        long total = ends[n - 1];
        a = search(ends, rng.nextLong(total));
        b = a;
        for (int i = 0; i < 4 && b == a; i++) {
          b = search(ends, rng.nextLong(total));
        }
        if (b == a) { // one dominant weight: take any other
          b = rng.nextInt(n - 1);
          if (b >= a) {
            b++;
          }
        }
      }
      return ((long) a << 32) | (b & 0xFFFF_FFFFL);
    }

    @Override
    EndpointState pickExplained(RequestContext context, long nowNanos, StringBuilder why) {
      int n = states.length;
      if (n == 1) {
        why.append("the only endpoint");
        return states[0];
      }
      long packed = pair(n);
      int a = (int) (packed >>> 32);
      int b = (int) packed;
      double la = load(a, nowNanos);
      double lb = load(b, nowNanos);
      EndpointState chosen = lb < la ? states[b] : states[a];
      why.append("compared ").append(states[a].address()).append(" (load ").append(la)
          .append(") with ").append(states[b].address()).append(" (load ").append(lb)
          .append("); took ")
          .append(la == lb ? "the first on a tie" : "the lower");
      return chosen;
    }

    /** In-flight calls per unit of weight. */
    private double load(int i, long nowNanos) {
      return states[i].inFlight() * weightTerms[i];
    }
  }
}
