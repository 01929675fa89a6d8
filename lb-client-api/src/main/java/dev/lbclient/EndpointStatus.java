package dev.lbclient;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.jspecify.annotations.Nullable;

/**
 * What the load balancer thought of one endpoint at one moment: usable, ejected (and until when),
 * unhealthy, or refused by its circuit breaker. Carried by {@link NoEndpointAvailableException}
 * and returned by {@link LoadBalancer#status()}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class EndpointStatus {
  private final Endpoint endpoint;
  private final boolean ejected;
  private final long ejectedForNanos;
  private final boolean healthy;
  private final CircuitBreaker.@Nullable State breakerState;
  private final int inFlight;
  private final double share;

  EndpointStatus(Endpoint endpoint, boolean ejected, long ejectedForNanos, boolean healthy,
      CircuitBreaker.@Nullable State breakerState, int inFlight) {
    this(endpoint, ejected, ejectedForNanos, healthy, breakerState, inFlight, 0.0);
  }

  private EndpointStatus(Endpoint endpoint, boolean ejected, long ejectedForNanos,
      boolean healthy, CircuitBreaker.@Nullable State breakerState, int inFlight, double share) {
    this.endpoint = endpoint;
    this.ejected = ejected;
    this.ejectedForNanos = ejectedForNanos;
    this.healthy = healthy;
    this.breakerState = breakerState;
    this.inFlight = inFlight;
    this.share = share;
  }

  /** This status with the share of its group. */
  EndpointStatus withShare(double share) {
    return new EndpointStatus(endpoint, ejected, ejectedForNanos, healthy, breakerState, inFlight,
        share);
  }

  /** The endpoint. */
  public Endpoint endpoint() {
    return endpoint;
  }

  /** Ejected by outlier detection. */
  public boolean isEjected() {
    return ejected;
  }

  /** When ejected, how much longer, in nanoseconds; otherwise 0. */
  public long ejectedForNanos() {
    return ejectedForNanos;
  }

  /** Passing its active health checks (always true without health checks). */
  public boolean isHealthy() {
    return healthy;
  }

  /** Its circuit breaker's state, or {@code null} when circuit breakers are off. */
  public CircuitBreaker.@Nullable State breakerState() {
    return breakerState;
  }

  /** Calls in flight. */
  public int inFlight() {
    return inFlight;
  }

  /**
   * The endpoint's priority level, from its attribute {@code priority}: 0 (the highest, and the
   * default when missing or not a whole number), 1, 2... Lower levels take calls only when the
   * levels above lack usable endpoints.
   */
  public int priority() {
    String text = endpoint.attribute(Localities.PRIORITY);
    return text == null ? 0 : Math.max(0, Localities.parsePriority(text));
  }

  /**
   * The share of the load balancer's calls that go to this endpoint's group, as of the status:
   * its priority level's share times, with zone routing, its zone's share of the level; the
   * strategy then spreads that share over the group's endpoints. 1.0 for every usable endpoint
   * without priorities or zone routing (one group); 0 for an endpoint that takes no calls (not
   * usable outside panic) or whose group takes calls only when a pick's filter, avoid list or
   * breakers leave its preferred groups empty. In {@link NoEndpointAvailableException} always 0.
   */
  public double share() {
    return share;
  }

  /** For example {@code 10.0.0.1:8080 ejected for 12.5 s, breaker OPEN}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(endpoint.address());
    if (ejected) {
      sb.append(String.format(java.util.Locale.ROOT, " ejected for %.1f s", ejectedForNanos / 1e9));
    }
    if (!healthy) {
      sb.append(ejected ? "," : "").append(" unhealthy");
    }
    if (breakerState != null && breakerState != CircuitBreaker.State.CLOSED) {
      sb.append(ejected || !healthy ? "," : "").append(" breaker ").append(breakerState);
    }
    if (!ejected && healthy
        && (breakerState == null || breakerState == CircuitBreaker.State.CLOSED)) {
      sb.append(" usable");
    }
    return sb.toString();
  }

  /** What {@code s} looks like at {@code nowNanos}. */
  static EndpointStatus of(EndpointState s, long nowNanos) {
    return new EndpointStatus(s.endpoint(), s.ejected || s.penalized,
        Math.max(s.ejected ? Math.max(0, s.ejectedUntilNanos - nowNanos) : 0,
            s.penalized ? Math.max(0, s.penaltyUntilNanos - nowNanos) : 0), s.isHealthy(),
        s.breakerStateOrNull(), s.inFlight());
  }
}
