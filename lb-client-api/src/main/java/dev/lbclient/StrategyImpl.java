package dev.lbclient;

/** The internal side of a strategy: builds pickers. Every strategy is a subclass. */
abstract non-sealed class StrategyImpl implements Strategy {
  private static final String BOUNDED_PREFIX = "consistentHash.boundedLoad(";
  /** The strategies without parameters (a method, not a field: the subclasses' instances). */
  private static java.util.List<Strategy> fixed() {
    return java.util.List.of(
        Strategy.roundRobin(), Strategy.weightedRoundRobin(), Strategy.leastConnections(),
        Strategy.leastTime(), Strategy.powerOfTwoChoices(),
        Strategy.powerOfTwoChoices(Strategy.Load.IN_FLIGHT), Strategy.consistentHash(),
        Strategy.ipHash(), Strategy.random(), Strategy.weightedByLoadReports());
  }

  /** See {@link Strategy#parse(String)}. */
  static Strategy parse(String name) {
    java.util.Objects.requireNonNull(name, "name");
    String text = name.strip();
    for (Strategy s : fixed()) {
      if (s.name().equals(text)) {
        return s;
      }
    }
    if (text.startsWith(BOUNDED_PREFIX) && text.endsWith(")")) {
      String factor = text.substring(BOUNDED_PREFIX.length(), text.length() - 1);
      try {
        return Strategy.consistentHashWithBoundedLoad(Double.parseDouble(factor));
      } catch (NumberFormatException e) {
        // fall through to the message naming every accepted form
      }
    }
    StringBuilder expected = new StringBuilder();
    for (Strategy s : fixed()) {
      expected.append(s.name()).append(", ");
    }
    throw new IllegalArgumentException("strategy: '" + name + "' (expected one of: " + expected
        + BOUNDED_PREFIX + "<factor > 1>))");
  }
  /**
   * Builds a picker over a non-empty snapshot, with weights[i] the weight of states[i] (at least
   * 1). Called under the load balancer's update lock; the arrays are not modified afterwards.
   */
  abstract Picker newPicker(EndpointState[] states, int[] weights, PickerEnv env);

  /** Builds a picker with the {@linkplain #baseWeights base weights} of the endpoints. */
  final Picker newPicker(EndpointState[] states, PickerEnv env) {
    return newPicker(states, baseWeights(states), env);
  }

  /** False for strategies that ignore configured weights (plain round robin). */
  boolean honorsWeights() {
    return true;
  }

  /** False for strategies where slow start would break affinity (the hash strategies). */
  boolean supportsSlowStart() {
    return true;
  }

  /** How often the picker must be rebuilt while nothing else changes; 0 for never. */
  long refreshNanos() {
    return 0;
  }

  /** True when leases must keep a pool-wide in-flight total for this strategy. */
  boolean needsTotalInFlight() {
    return false;
  }

  /** The endpoints' configured weights, or all 1 when this strategy ignores weights. */
  final int[] baseWeights(EndpointState[] states) {
    int[] weights = new int[states.length];
    for (int i = 0; i < states.length; i++) {
      weights[i] = honorsWeights() ? states[i].endpoint().weight() : 1;
    }
    return weights;
  }

  @Override
  public String toString() {
    return name();
  }

  static boolean allEqual(int[] weights) {
    for (int w : weights) {
      if (w != weights[0]) {
        return false;
      }
    }
    return true;
  }

  static double[] inverse(int[] weights) {
    double[] inverse = new double[weights.length];
    for (int i = 0; i < weights.length; i++) {
      inverse[i] = 1.0 / weights[i];
    }
    return inverse;
  }

  static double[] logs(int[] weights) {
    double[] logs = new double[weights.length];
    for (int i = 0; i < weights.length; i++) {
      logs[i] = Math.log(weights[i]);
    }
    return logs;
  }

  /** ends[i] = weights[0] + ... + weights[i]. */
  static long[] cumulative(int[] weights) {
    long[] ends = new long[weights.length];
    long end = 0;
    for (int i = 0; i < weights.length; i++) {
      end += weights[i];
      ends[i] = end;
    }
    return ends;
  }

  /** The first i with point < ends[i]; ends is increasing and point < ends[last]. */
  static int search(long[] ends, long point) {
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
    return lo;
  }
}
