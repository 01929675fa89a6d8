package dev.lbclient;

/**
 * One attempt of a call to a chosen endpoint, for {@link LoadBalancer#execute(EndpointCall)}. It
 * may be invoked several times, once per attempt, each time with a different endpoint when one
 * exists; it must be safe to repeat whenever its exceptions are classified as retryable.
 *
 * @param <T> the result
 * @param <X> the checked exception it may throw ({@link RuntimeException} when none)
 */
@FunctionalInterface
public interface EndpointCall<T, X extends Exception> {
  /** Calls {@code endpoint}. */
  T call(Endpoint endpoint) throws X;
}
