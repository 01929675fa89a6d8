package dev.lbclient;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards each event to the user's listeners in order; an exception one throws is logged and the
 * others still get the event. Only built when there is at least one listener.
 */
final class GuardedListener implements LoadBalancerListener {
  private static final Logger log = LoggerFactory.getLogger(GuardedListener.class);
  private final LoadBalancerListener[] listeners;

  GuardedListener(List<LoadBalancerListener> listeners) {
    this.listeners = listeners.toArray(new LoadBalancerListener[0]);
  }

  private void each(String event, Consumer<LoadBalancerListener> call) {
    for (LoadBalancerListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        log.warn("LoadBalancerListener {} threw; ignored", event, e);
      }
    }
  }

  @Override
  public void onInit(LoadBalancer loadBalancer) {
    each("onInit", l -> l.onInit(loadBalancer));
  }

  @Override
  public void onEndpointsChanged(String service, List<Endpoint> added, List<Endpoint> removed) {
    each("onEndpointsChanged", l -> l.onEndpointsChanged(service, added, removed));
  }

  @Override
  public void onEjected(String service, Endpoint endpoint, Duration duration, String reason) {
    each("onEjected", l -> l.onEjected(service, endpoint, duration, reason));
  }

  @Override
  public void onReadmitted(String service, Endpoint endpoint) {
    each("onReadmitted", l -> l.onReadmitted(service, endpoint));
  }

  @Override
  public void onHealthChanged(String service, Endpoint endpoint, boolean healthy) {
    each("onHealthChanged", l -> l.onHealthChanged(service, endpoint, healthy));
  }

  @Override
  public void onBreakerStateChanged(String service, Endpoint endpoint, CircuitBreaker.State from,
      CircuitBreaker.State to) {
    each("onBreakerStateChanged", l -> l.onBreakerStateChanged(service, endpoint, from, to));
  }

  @Override
  public void onPanic(String service, boolean panic, int usable, int total) {
    each("onPanic", l -> l.onPanic(service, panic, usable, total));
  }

  @Override
  public void onRetry(String service, Endpoint endpoint, int retry, Throwable cause) {
    each("onRetry", l -> l.onRetry(service, endpoint, retry, cause));
  }

  @Override
  public void onRetryBudgetExhausted(String service, Throwable cause) {
    each("onRetryBudgetExhausted", l -> l.onRetryBudgetExhausted(service, cause));
  }

  @Override
  public void onNoEndpointAvailable(String service, String reason) {
    each("onNoEndpointAvailable", l -> l.onNoEndpointAvailable(service, reason));
  }

  @Override
  public void onSourceStale(String service, boolean stale, String description) {
    each("onSourceStale", l -> l.onSourceStale(service, stale, description));
  }
}
