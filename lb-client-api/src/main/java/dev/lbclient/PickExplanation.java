package dev.lbclient;

import java.util.List;

/**
 * Why a pick chose its endpoint: the strategy's own account of the decision (the candidates it
 * compared and their loads, the hash slot, the position in the rotation), which endpoints were
 * left out and why, and whether the pool was in panic. Recorded only while {@link
 * LoadBalancer#explainPicks(boolean)} is on; read it from {@link Pick#explanation()}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class PickExplanation {
  private final String service;
  private final String strategy;
  private final Endpoint chosen;
  private final String decision;
  private final List<EndpointStatus> skipped;
  private final boolean panic;

  PickExplanation(String service, String strategy, Endpoint chosen, String decision,
      List<EndpointStatus> skipped, boolean panic) {
    this.service = service;
    this.strategy = strategy;
    this.chosen = chosen;
    this.decision = decision;
    this.skipped = List.copyOf(skipped);
    this.panic = panic;
  }

  /** The service. */
  public String service() {
    return service;
  }

  /** The strategy's name. */
  public String strategy() {
    return strategy;
  }

  /** The endpoint chosen. */
  public Endpoint chosen() {
    return chosen;
  }

  /**
   * The strategy's account, for example {@code compared 10.0.0.1:80 (load 2.1 ms) with
   * 10.0.0.3:80 (load 7.9 ms); took the lower}.
   */
  public String decision() {
    return decision;
  }

  /** Endpoints that could not be chosen (ejected, unhealthy, penalized or breaker open). */
  public List<EndpointStatus> skipped() {
    return skipped;
  }

  /** True when too few endpoints were usable and all of them were considered. */
  public boolean panic() {
    return panic;
  }

  /** One line per fact, for logs. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder()
        .append(service).append(" -> ").append(chosen.address()).append(" by ").append(strategy)
        .append(": ").append(decision);
    if (panic) {
      sb.append("\n  panic: too few usable endpoints, all were considered");
    }
    for (EndpointStatus s : skipped) {
      sb.append("\n  skipped ").append(s);
    }
    return sb.toString();
  }
}
