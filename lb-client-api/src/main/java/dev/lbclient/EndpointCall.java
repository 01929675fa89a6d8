package dev.lbclient;

/**
 * One attempt of a call to a chosen endpoint, for {@link LoadBalancer#execute(EndpointCall)}. It
 * may be invoked several times, once per attempt, each time with a different endpoint when one
 * exists; it must be safe to repeat whenever its exceptions are classified as retryable.
 *
 * <p>Called on the thread that called {@code execute}, one attempt at a time; it need not be
 * thread-safe unless the caller shares it between concurrent {@code execute} calls. With a {@link
 * HedgingPolicy}, attempts run on the policy's executor and may overlap: it must then be
 * thread-safe, and should end promptly when its thread is interrupted (a hedge that lost).
 *
 * @param <T> the result
 * @param <X> the checked exception it may throw ({@link RuntimeException} when none)
 */
@FunctionalInterface
public interface EndpointCall<T, X extends Exception> {
  /** Calls {@code endpoint}. */
  T call(Endpoint endpoint) throws X;
}
