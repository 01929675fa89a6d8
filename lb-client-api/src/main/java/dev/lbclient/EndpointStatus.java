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

  EndpointStatus(Endpoint endpoint, boolean ejected, long ejectedForNanos, boolean healthy,
      CircuitBreaker.@Nullable State breakerState, int inFlight) {
    this.endpoint = endpoint;
    this.ejected = ejected;
    this.ejectedForNanos = ejectedForNanos;
    this.healthy = healthy;
    this.breakerState = breakerState;
    this.inFlight = inFlight;
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
}
