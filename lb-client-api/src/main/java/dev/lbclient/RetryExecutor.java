package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link LoadBalancer#execute}: runs a call on a picked endpoint, reports its outcome, and retries
 * on an endpoint not tried yet while the {@link RetryPolicy}'s classifier calls the error
 * retryable, attempts remain and the {@link RetryThrottle budget} allows, waiting the policy's
 * backoff between attempts. Thread-safe; the budget is shared by every call.
 */
final class RetryExecutor implements RetryThrottle {
  private final LbConfig config;
  private final LoadBalancer lb;
  private final EventQueue events;
  private final RetryBudgetState budget;

  RetryExecutor(LbConfig config, LoadBalancer lb, EventQueue events) {
    this.config = config;
    this.lb = lb;
    this.events = events;
    this.budget = new RetryBudgetState(config.retryPolicy.budget(), config.ticker);
  }

  <T, X extends Exception> T execute(RequestContext context, EndpointCall<T, X> call) throws X {
    requireNonNull(context, "context");
    requireNonNull(call, "call");
    RetryPolicy policy = config.retryPolicy;
    onRequest();
    List<Endpoint> tried = new ArrayList<>(policy.maxAttempts());
    List<Throwable> earlier = new ArrayList<>(0);
    for (int attempt = 1; ; attempt++) {
      Pick pick;
      try {
        pick = tried.isEmpty() ? lb.pick(context) : lb.pick(context, tried);
      } catch (NoEndpointAvailableException e) {
        if (earlier.isEmpty()) {
          throw e;
        }
        Throwable last = earlier.remove(earlier.size() - 1);
        last.addSuppressed(e);
        throw RetryExecutor.<X>rethrow(last, earlier);
      }
      Endpoint endpoint = pick.endpoint();
      tried.add(endpoint);
      Throwable error;
      try {
        T result = call.call(endpoint);
        pick.success();
        return result;
      } catch (Error e) {
        pick.cancel();
        throw e;
      } catch (Exception e) {
        error = e;
      }
      ExceptionClassifier.Verdict verdict = policy.classifier().classify(error);
      if (verdict == ExceptionClassifier.Verdict.NOT_A_FAILURE) {
        pick.success();
        throw RetryExecutor.<X>rethrow(error, earlier);
      }
      pick.failure(error);
      if (verdict != ExceptionClassifier.Verdict.RETRYABLE_FAILURE
          || attempt >= policy.maxAttempts()) {
        throw RetryExecutor.<X>rethrow(error, earlier);
      }
      if (!tryRetry(endpoint, attempt, error)) {
        error.addSuppressed(new RetryRefusedException("retry refused for " + config.serviceName
            + ": the retry budget is exhausted (" + policy.budget() + ")"));
        throw RetryExecutor.<X>rethrow(error, earlier);
      }
      earlier.add(error);
      long backoff = policy.backoffNanos(attempt);
      if (backoff > 0) {
        try {
          config.sleeper.sleepNanos(backoff);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          Throwable last = earlier.remove(earlier.size() - 1);
          last.addSuppressed(e);
          throw RetryExecutor.<X>rethrow(last, earlier);
        }
      }
    }
  }

  /**
   * Throws {@code error} with the earlier attempts' errors attached. The call may only throw X or
   * unchecked exceptions, so the unchecked cast is sound.
   */
  @SuppressWarnings("unchecked")
  static <X extends Exception> X rethrow(Throwable error, List<Throwable> earlier)
      throws X {
    for (Throwable e : earlier) {
      if (e != error) {
        error.addSuppressed(e);
      }
    }
    if (error instanceof RuntimeException) {
      throw (RuntimeException) error;
    }
    if (error instanceof Error) {
      throw (Error) error;
    }
    throw (X) error;
  }

  @Override
  public void onRequest() {
    budget.onRequest();
  }

  @Override
  public boolean tryRetry() {
    return budget.tryRetry();
  }

  @Override
  public boolean tryRetry(Endpoint failed, int retry, Throwable cause) {
    requireNonNull(failed, "failed");
    requireNonNull(cause, "cause");
    boolean allowed = budget.tryRetry();
    String service = config.serviceName;
    if (allowed) {
      events.add("onRetry", l -> l.onRetry(service, failed, retry, cause));
    } else {
      events.add("onRetryBudgetExhausted", l -> l.onRetryBudgetExhausted(service, cause));
    }
    events.flush();
    return allowed;
  }

  @Override
  public String toString() {
    return budget.toString();
  }
}
