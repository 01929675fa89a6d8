package dev.lbclient;

/**
 * Power of two choices (Mitzenmacher): two distinct endpoints uniformly at random, the lower load
 * per unit of weight wins. The pair is drawn as an ordered pair (i uniform, j uniform over the
 * others), so returning the first on a tie is already a fair coin.
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
    return new P2cPicker(states, inverse(weights), env.rng, latency);
  }

  static final class P2cPicker extends Picker {
    private final double[] inverseWeights;
    private final Rng rng;
    private final boolean latency;

    P2cPicker(EndpointState[] states, double[] inverseWeights, Rng rng, boolean latency) {
      super(states);
      this.inverseWeights = inverseWeights;
      this.rng = rng;
      this.latency = latency;
    }

    @Override
    EndpointState pick(RequestContext context, long nowNanos) {
      int n = states.length;
      if (n == 1) {
        return states[0];
      }
      int a = rng.nextInt(n);
      int b = rng.nextInt(n - 1);
      if (b >= a) {
        b++;
      }
      return load(b, nowNanos) < load(a, nowNanos) ? states[b] : states[a];
    }

    @Override
    EndpointState pickExplained(RequestContext context, long nowNanos, StringBuilder why) {
      int n = states.length;
      if (n == 1) {
        why.append("the only endpoint");
        return states[0];
      }
      int a = rng.nextInt(n);
      int b = rng.nextInt(n - 1);
      if (b >= a) {
        b++;
      }
      double la = load(a, nowNanos);
      double lb = load(b, nowNanos);
      EndpointState chosen = lb < la ? states[b] : states[a];
      why.append("compared ").append(states[a].address()).append(" (load ")
          .append(latency ? millis(la) : String.valueOf(la)).append(") with ")
          .append(states[b].address()).append(" (load ")
          .append(latency ? millis(lb) : String.valueOf(lb)).append("); took ")
          .append(la == lb ? "the first on a tie" : "the lower");
      return chosen;
    }

    private double load(int i, long nowNanos) {
      EndpointState s = states[i];
      return (latency ? s.peakEwmaLoad(nowNanos) : s.inFlight()) * inverseWeights[i];
    }
  }
}
