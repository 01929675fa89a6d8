package dev.lbclient;

import java.util.random.RandomGenerator;

/**
 * Exact argmin strategies: least connections (in-flight / weight) and least time (peak-EWMA x
 * (in-flight + 1) / weight).
 *
 * <p>Ties are broken at random in proportion to weight, without allocating: the first pass finds
 * the minimum and sums the weights of the endpoints that share it, then one random draw chooses a
 * point in that sum and a second pass returns its owner. So an idle pool (every load 0) serves each
 * endpoint its weighted share, and equal weights give a uniform choice. Counters may move between
 * the passes; if the chosen tie has vanished the first minimum found is returned, which is still an
 * argmin of what the first pass saw.
 */
final class LeastLoadedStrategy extends StrategyImpl {
  static final LeastLoadedStrategy LEAST_CONNECTIONS = new LeastLoadedStrategy(false);
  static final LeastLoadedStrategy LEAST_TIME = new LeastLoadedStrategy(true);

  private final boolean latency;

  private LeastLoadedStrategy(boolean latency) {
    this.latency = latency;
  }

  @Override
  public String name() {
    return latency ? "leastTime" : "leastConnections";
  }

  @Override
  Picker newPicker(EndpointState[] states, int[] weights, PickerEnv env) {
    return new LeastLoadedPicker(states, weights, env.rng, latency);
  }

  static final class LeastLoadedPicker extends Picker {
    private final int[] weights;
    private final double[] inverseWeights;
    private final double[] logWeights;
    private final RandomGenerator rng;
    private final boolean latency;

    LeastLoadedPicker(EndpointState[] states, int[] weights, RandomGenerator rng, boolean latency) {
      super(states);
      this.weights = weights;
      this.inverseWeights = inverse(weights);
      this.logWeights = logs(weights);
      this.rng = rng;
      this.latency = latency;
    }

    /**
     * What is minimized: in-flight / weight, or for least time ln(peak-EWMA load / weight) plus a
     * term shared by every endpoint at this instant (see {@link EndpointState#peakEwmaLoadKey}),
     * which orders the same way without an exp per endpoint.
     */
    private double load(int i, long nowNanos) {
      EndpointState s = states[i];
      return latency
          ? s.peakEwmaLoadKey(nowNanos) - logWeights[i]
          : s.inFlight() * inverseWeights[i];
    }

    @Override
    EndpointState pickExplained(RequestContext context, long nowNanos, StringBuilder why) {
      EndpointState chosen = pick(context, nowNanos);
      int ties = 0;
      double min = Double.POSITIVE_INFINITY;
      for (int i = 0; i < states.length; i++) {
        double l = load(i, nowNanos);
        if (l < min) {
          min = l;
          ties = 1;
        } else if (l == min) {
          ties++;
        }
      }
      why.append("lowest ").append(latency ? "latency x (in-flight + 1) / weight" : "in-flight / weight")
          .append(" among ").append(states.length).append(": ")
          .append(latency ? millis(states[0].loadOfKey(min, nowNanos)) : String.valueOf(min));
      if (ties > 1) {
        why.append(", shared by ").append(ties).append(", one taken at random");
      }
      return chosen;
    }

    @Override
    EndpointState pick(RequestContext context, long nowNanos) {
      int n = states.length;
      double min = Double.POSITIVE_INFINITY;
      int first = 0;
      int ties = 0;
      long tieWeight = 0;
      for (int i = 0; i < n; i++) {
        double l = load(i, nowNanos);
        if (l < min) {
          min = l;
          first = i;
          ties = 1;
          tieWeight = weights[i];
        } else if (l == min) {
          ties++;
          tieWeight += weights[i];
        }
      }
      if (ties <= 1) {
        return states[first];
      }
      long point = rng.nextLong(tieWeight);
      for (int i = first; i < n; i++) {
        if (load(i, nowNanos) == min) {
          point -= weights[i];
          if (point < 0) {
            return states[i];
          }
        }
      }
      return states[first];
    }
  }
}
