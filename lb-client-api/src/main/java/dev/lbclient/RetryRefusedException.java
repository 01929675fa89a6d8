package dev.lbclient;

/**
 * Attached as a suppressed exception to the error that {@link LoadBalancer#execute(EndpointCall)}
 * (or an integration running its own attempts) throws when a retry was possible but refused by the
 * retry budget; its message says which budget and why. Not meant to be thrown on its own.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class RetryRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An exception with this message and no stack trace (it marks a decision, not a fault). */
  public RetryRefusedException(String message) {
    super(message, null, false, false);
  }
}
