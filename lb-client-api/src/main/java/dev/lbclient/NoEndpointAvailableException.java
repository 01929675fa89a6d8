package dev.lbclient;

import static java.util.Objects.requireNonNull;

/**
 * Thrown by {@link LoadBalancer#pick()} when no endpoint can take the call: the source has given
 * no endpoints yet, its last list was empty, or every endpoint is unusable. Thrown at once, without
 * any network I/O. The message names the service and the reason.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class NoEndpointAvailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String serviceName;
  private final String reason;

  NoEndpointAvailableException(String serviceName, String reason) {
    super(requireNonNull(reason, "reason"));
    this.serviceName = requireNonNull(serviceName, "serviceName");
    this.reason = reason;
  }

  /** The service the pick was for. */
  public String serviceName() {
    return serviceName;
  }

  /** Why nothing could be picked, in words (the same text as the message). */
  public String reason() {
    return reason;
  }
}
