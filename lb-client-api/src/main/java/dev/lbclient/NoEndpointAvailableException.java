package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Thrown by {@link LoadBalancer#pick()} when no endpoint can take the call: the source has given
 * no endpoints yet, its last list was empty, or every endpoint is unusable (ejected, unhealthy or
 * refused by its circuit breaker). Thrown at once, without any network I/O. The message names the
 * service and the reason, and lists each endpoint's state when there are endpoints.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class NoEndpointAvailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String serviceName;
  private final String reason;
  private final transient List<EndpointStatus> endpoints;

  NoEndpointAvailableException(String serviceName, String reason) {
    this(serviceName, reason, List.of());
  }

  NoEndpointAvailableException(String serviceName, String reason, List<EndpointStatus> endpoints) {
    super(endpoints.isEmpty() ? reason : reason + ": " + endpoints);
    this.serviceName = requireNonNull(serviceName, "serviceName");
    this.reason = requireNonNull(reason, "reason");
    this.endpoints = List.copyOf(endpoints);
  }

  /** The service the pick was for. */
  public String serviceName() {
    return serviceName;
  }

  /** Why nothing could be picked, in words, without the endpoint list. */
  public String reason() {
    return reason;
  }

  /** Each endpoint's state when the pick failed; empty when there were no endpoints. */
  public List<EndpointStatus> endpoints() {
    return endpoints;
  }
}
