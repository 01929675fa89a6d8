package dev.lbclient;

/**
 * Attached as a suppressed exception to the error that {@link LoadBalancer#execute(EndpointCall)}
 * throws when a retry was possible but refused by the retry budget; its message says which budget
 * and why. Never thrown on its own.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class RetryRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  RetryRefusedException(String message) {
    super(message, null, false, false);
  }
}
