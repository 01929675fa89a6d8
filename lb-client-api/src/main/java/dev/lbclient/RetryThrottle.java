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
}
