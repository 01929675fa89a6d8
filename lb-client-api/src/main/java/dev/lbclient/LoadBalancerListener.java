package dev.lbclient;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.List;

/**
 * Receives a load balancer's state changes: the endpoint list, ejections, health, circuit breaker
 * transitions, retries and failures to pick. Every method has an empty default; override those you
 * need. Nothing is allocated for events when no listener is set.
 *
 * <p><b>Threads.</b> Events are delivered after the change is made and published, never under the
 * load balancer's lock and never on the thread that caused the change: one at a time and in the
 * order the changes happened, on a timer worker thread ({@code lb-client-events-N}, or the
 * executor given to {@link LoadBalancer.Builder#executor}). So a listener may call {@code
 * status()}, {@code pick()} or {@code close()} on the load balancer, and a slow listener delays only
 * the events after it, not picks or updates. Implementations need not be thread-safe for one load
 * balancer's events; one listener shared by several load balancers must be. An exception thrown by
 * a listener is logged and otherwise ignored.
 */
public interface LoadBalancerListener {

  /**
   * A listener added with {@link LoadBalancer#addListener}; {@link #close()} removes it (events
   * already on their way may still arrive). Idempotent; thread-safe.
   */
  interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Called once, when the load balancer is built and before its first endpoint list arrives; a
   * listener that needs the load balancer (a metrics binder, say) keeps it from here.
   */
  default void onInit(LoadBalancer loadBalancer) {}

  /**
   * The complete endpoint list, after the first one arrives and after every change of it: members,
   * order, or an endpoint's weight, zone or attributes. For subscribers that mirror the list.
   */
  default void onEndpoints(String service, List<Endpoint> endpoints) {}

  /** The endpoint list changed: what was added and what was removed (by address). */
  default void onEndpointsChanged(String service, List<Endpoint> added, List<Endpoint> removed) {}

  /** An endpoint was ejected by outlier detection for {@code duration}. */
  default void onEjected(String service, Endpoint endpoint, Duration duration, String reason) {}

  /** An ejected endpoint's time is up: it is back in rotation. */
  default void onReadmitted(String service, Endpoint endpoint) {}

  /** Active health checking marked an endpoint healthy or unhealthy. */
  default void onHealthChanged(String service, Endpoint endpoint, boolean healthy) {}

  /** An endpoint's circuit breaker changed state. */
  default void onBreakerStateChanged(String service, Endpoint endpoint, CircuitBreaker.State from,
      CircuitBreaker.State to) {}

  /** Fewer endpoints are usable than the panic threshold ({@code panic}), or enough again. */
  default void onPanic(String service, boolean panic, int usable, int total) {}

  /**
   * How calls are split between priority levels and zones changed materially: a group came or
   * went, or a group's share moved by 5 points or more since the last call. {@code routing}
   * describes the new split, for example {@code zone eu-1a (local, 60% of calls); zone eu-1b (20%
   * of calls); zone eu-1c (20% of calls)}, or why zone routing is off; {@link
   * LoadBalancer#status()} has each endpoint's {@link EndpointStatus#share() share}. Only with
   * priorities or {@link LoadBalancer.Builder#zoneRouting zone routing}.
   */
  default void onRoutingChanged(String service, String routing) {}

  /** A call failed on {@code endpoint} and is retried ({@code retry} = 1 for the first retry). */
  default void onRetry(String service, Endpoint endpoint, int retry, Throwable cause) {}

  /** A retry was refused because the retry budget is exhausted. */
  default void onRetryBudgetExhausted(String service, Throwable cause) {}

  /** A pick failed because no endpoint could take the call. */
  default void onNoEndpointAvailable(String service, String reason) {}

  /** The endpoint source failed to refresh ({@code stale}) or recovered. */
  default void onSourceStale(String service, boolean stale, String description) {}
}
