package dev.lbclient;

/**
 * A benchmark-only strategy wrapping the thread-local round-robin prototype, so that it can also
 * be measured through a real load balancer (a full lease). (The striped prototype became the
 * library's round robin.) Not part of the library.
 */
final class PrototypeStrategies extends StrategyImpl {
  static final PrototypeStrategies THREAD_LOCAL_ROUND_ROBIN = new PrototypeStrategies();

  private PrototypeStrategies() {}

  @Override
  public String name() {
    return "roundRobinThreadLocal";
  }

  /** Like {@link RoundRobinStrategy}: configured weights are ignored. */
  @Override
  boolean honorsWeights() {
    return false;
  }

  /** As {@link RoundRobinStrategy} does, unequal weights (slow start) go to weighted round robin. */
  @Override
  Picker newPicker(EndpointState[] states, int[] weights, PickerEnv env) {
    if (!allEqual(weights)) {
      return WeightedRoundRobinStrategy.INSTANCE.newPicker(states, weights, env);
    }
    return new ThreadLocalRoundRobinPicker(states);
  }
}
