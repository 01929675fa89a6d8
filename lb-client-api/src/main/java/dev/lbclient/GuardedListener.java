package dev.lbclient;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Forwards events to the user's listener; an exception it throws is logged, never propagated. */
final class GuardedListener implements LoadBalancerListener {
  private static final Logger log = LoggerFactory.getLogger(GuardedListener.class);
  private final LoadBalancerListener delegate;

  GuardedListener(LoadBalancerListener delegate) {
    this.delegate = delegate;
  }

  private void failed(String event, RuntimeException e) {
    log.warn("LoadBalancerListener {} threw; ignored", event, e);
  }

  @Override
  public void onEndpointsChanged(String service, List<Endpoint> added, List<Endpoint> removed) {
    try {
      delegate.onEndpointsChanged(service, added, removed);
    } catch (RuntimeException e) {
      failed("onEndpointsChanged", e);
    }
  }

  @Override
  public void onEjected(String service, Endpoint endpoint, Duration duration, String reason) {
    try {
      delegate.onEjected(service, endpoint, duration, reason);
    } catch (RuntimeException e) {
      failed("onEjected", e);
    }
  }

  @Override
  public void onReadmitted(String service, Endpoint endpoint) {
    try {
      delegate.onReadmitted(service, endpoint);
    } catch (RuntimeException e) {
      failed("onReadmitted", e);
    }
  }

  @Override
  public void onHealthChanged(String service, Endpoint endpoint, boolean healthy) {
    try {
      delegate.onHealthChanged(service, endpoint, healthy);
    } catch (RuntimeException e) {
      failed("onHealthChanged", e);
    }
  }

  @Override
  public void onBreakerStateChanged(String service, Endpoint endpoint, CircuitBreaker.State from,
      CircuitBreaker.State to) {
    try {
      delegate.onBreakerStateChanged(service, endpoint, from, to);
    } catch (RuntimeException e) {
      failed("onBreakerStateChanged", e);
    }
  }

  @Override
  public void onPanic(String service, boolean panic, int usable, int total) {
    try {
      delegate.onPanic(service, panic, usable, total);
    } catch (RuntimeException e) {
      failed("onPanic", e);
    }
  }

  @Override
  public void onRetry(String service, Endpoint endpoint, int retry, Throwable cause) {
    try {
      delegate.onRetry(service, endpoint, retry, cause);
    } catch (RuntimeException e) {
      failed("onRetry", e);
    }
  }

  @Override
  public void onRetryBudgetExhausted(String service, Throwable cause) {
    try {
      delegate.onRetryBudgetExhausted(service, cause);
    } catch (RuntimeException e) {
      failed("onRetryBudgetExhausted", e);
    }
  }

  @Override
  public void onNoEndpointAvailable(String service, String reason) {
    try {
      delegate.onNoEndpointAvailable(service, reason);
    } catch (RuntimeException e) {
      failed("onNoEndpointAvailable", e);
    }
  }

  @Override
  public void onSourceStale(String service, boolean stale, String description) {
    try {
      delegate.onSourceStale(service, stale, description);
    } catch (RuntimeException e) {
      failed("onSourceStale", e);
    }
  }
}
