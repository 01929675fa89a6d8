package dev.lbclient;

/**
 * A load balancer's running retry budget (see {@link RetryBudget}), for integrations that run
 * their own attempts: call {@link #onRequest()} once per logical request and {@link #tryRetry()}
 * before each retry. {@link LoadBalancer#execute(EndpointCall)} does both itself.
 *
 * <p>Thread-safe and lock-free; under heavy concurrency the count may be off by a few.
 */
public interface RetryThrottle {
  /** Counts one logical request (a first attempt). */
  void onRequest();

  /** Takes one retry from the budget; false when the budget is exhausted. */
  boolean tryRetry();

  /**
   * {@link #tryRetry()}, also telling the load balancer's listeners: {@code onRetry} when the
   * retry may go, {@code onRetryBudgetExhausted} when it may not.
   *
   * @param failed the endpoint whose failure prompts the retry
   * @param retry 1 for the first retry of the call
   * @param cause the failure
   */
  boolean tryRetry(Endpoint failed, int retry, Throwable cause);
}
