package dev.lbclient;

/**
 * Benchmark-only strategies wrapping the round-robin prototypes, so that they can also be measured
 * through a real load balancer (a full lease). Not part of the library.
 */
final class PrototypeStrategies extends StrategyImpl {
  static final PrototypeStrategies THREAD_LOCAL_ROUND_ROBIN = new PrototypeStrategies(false);
  static final PrototypeStrategies STRIPED_ROUND_ROBIN = new PrototypeStrategies(true);

  private final boolean striped;

  private PrototypeStrategies(boolean striped) {
    this.striped = striped;
  }

  @Override
  public String name() {
    return striped ? "roundRobinStriped" : "roundRobinThreadLocal";
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
    return striped
        ? new StripedRoundRobinPicker(states, env.rng)
        : new ThreadLocalRoundRobinPicker(states);
  }
}
