package dev.lbclient;

/**
 * The one door the tail-latency lab ({@code dev.lbclient.lab}) needs into package-private API: a
 * seeded {@link java.util.random.RandomGenerator} for {@link LoadBalancer.Builder}, so that a simulation replays the same picks
 * from the same seed. Lives in the benchmarks module, never in the library.
 */
public final class LabAccess {
  private LabAccess() {}

  /** Gives the load balancer built by {@code builder} a reproducible random generator. */
  public static LoadBalancer.Builder seededRng(LoadBalancer.Builder builder, long seed) {
    return builder.rng(Randoms.seeded(seed));
  }

  /**
   * How many pickers {@code lb} has published so far (one per endpoint list, ejection, breaker
   * transition, slow-start step...): how often the strategy rebuilt its picker.
   */
  public static long pickersBuilt(LoadBalancer lb) {
    return ((DefaultLoadBalancer) lb).version();
  }
}
