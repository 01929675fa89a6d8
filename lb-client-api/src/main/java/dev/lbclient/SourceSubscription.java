package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The load balancer's side of its {@link EndpointSource}: applies each snapshot to the {@link
 * ServerPool} (which says who came and went), keeps the source's staleness, and completes {@link
 * LoadBalancer#whenReady()}.
 */
final class SourceSubscription implements EndpointSource.Listener {
  private static final Logger log = LoggerFactory.getLogger(SourceSubscription.class);

  private final LbConfig config;
  private final Publisher publisher;
  private final EventQueue events;
  private final SlowStart slowStart;
  private final ServerPool pool;
  private final CompletableFuture<LoadBalancer> ready = new CompletableFuture<>();
  private final LoadBalancer owner;
  private volatile SourceStatus status = SourceStatus.FRESH;
  // Guarded by the update lock.
  private boolean everReceived;
  private EndpointSource.@Nullable Subscription subscription;
  /** The task that forgets removed states once their grace is over, if one is armed. */
  private Timer.Cancellable forgetTask = Timer.Cancellable.NONE;
  private boolean forgetArmed;

  SourceSubscription(LbConfig config, Publisher publisher, EventQueue events, SlowStart slowStart,
      LoadBalancer owner) {
    this.config = config;
    this.publisher = publisher;
    this.events = events;
    this.slowStart = slowStart;
    this.owner = owner;
    // Breakers are created lazily, at an endpoint's first pick (see EndpointState#breaker()).
    java.util.function.Function<Endpoint, io.github.resilience4j.circuitbreaker.CircuitBreaker>
        breakers = config.breakerConfig == null ? null : config::newBreaker;
    double tauMillis = config.tauMillis;
    this.pool = new ServerPool(config.serviceName, config.removedEndpointGrace, config.ticker,
        e -> new EndpointState(e, tauMillis, breakers));
  }

  /** Subscribes; a static source delivers its list before this returns. */
  void start() {
    EndpointSource.Subscription s = config.source.start(this);
    publisher.lock();
    try {
      subscription = s;
      if (publisher.isClosedLocked()) {
        s.close();
      }
    } finally {
      publisher.unlock();
    }
  }

  SourceStatus status() {
    return status;
  }

  ServerPool pool() {
    return pool;
  }

  CompletableFuture<LoadBalancer> whenReady() {
    return ready.copy();
  }

  @Override
  public void onEndpoints(List<Endpoint> endpoints) {
    requireNonNull(endpoints, "endpoints");
    String service = config.serviceName;
    publisher.lock();
    try {
      if (publisher.isClosedLocked()) {
        return;
      }
      long now = config.ticker.read();
      boolean first = !everReceived;
      everReceived = true;
      if (status.isStale()) {
        log.info("{}: endpoint source recovered after {} failed refreshes", service,
            status.consecutiveFailures());
        String description = config.source.description();
        events.add("onSourceStale", l -> l.onSourceStale(service, false, description));
      }
      status = SourceStatus.FRESH;
      Subsetting subsetting = config.subsetting;
      ServerPool.Change change = pool.reconcile(
          subsetting == null ? endpoints : subsetting.select(endpoints));
      EndpointState[] states = change.states;
      if (!first) {
        for (EndpointState s : change.added) {
          slowStart.start(s, now);
        }
      }
      int added = change.added.size();
      int removed = change.removed.size();
      String emptyReason = "no endpoints for " + service + ": " + config.source.description()
          + " returned an empty list";
      if (states.length == 0) {
        log.warn("{}: the endpoint list is empty; picks fail until it is not", service);
      } else if (added > 0 || removed > 0) {
        log.info("{}: {} endpoints ({} added, {} removed)", service, states.length, added,
            removed);
      }
      if ((added > 0 || removed > 0) && events.hasListeners()) {
        List<Endpoint> in = endpointsOf(change.added);
        List<Endpoint> out = List.copyOf(change.removed);
        events.add("onEndpointsChanged", l -> l.onEndpointsChanged(service, in, out));
      }
      if ((first || change.changed) && events.hasListeners()) {
        List<Endpoint> list = endpointsOf(List.of(states));
        events.add("onEndpoints", l -> l.onEndpoints(service, list));
      }
      if (removed > 0) {
        armForgetLocked(config.removedEndpointGrace.toNanos());
      }
      publisher.setCurrentLocked(states, emptyReason);
      publisher.refreshLocked(now);
      if (states.length > 0 && !ready.isDone()) {
        events.addTask("whenReady", () -> ready.complete(owner));
      }
    } finally {
      publisher.unlock();
    }
  }

  /** One task at a time; when it runs it re-arms itself for the states still remembered. */
  private void armForgetLocked(long delayNanos) {
    if (!forgetArmed) {
      forgetArmed = true;
      forgetTask = config.timer.schedule(this::forget, delayNanos + 1_000_000L);
    }
  }

  private void forget() {
    publisher.lock();
    try {
      forgetArmed = false;
      forgetTask = Timer.Cancellable.NONE;
      if (!publisher.isClosedLocked()) {
        long next = pool.forgetExpired();
        if (next >= 0) {
          armForgetLocked(next);
        }
      }
    } finally {
      publisher.unlock();
    }
  }

  private static List<Endpoint> endpointsOf(List<EndpointState> states) {
    Endpoint[] list = new Endpoint[states.size()];
    for (int i = 0; i < list.length; i++) {
      list[i] = states.get(i).endpoint();
    }
    return List.of(list);
  }

  @Override
  public void onError(String description, @Nullable Throwable cause) {
    requireNonNull(description, "description");
    String service = config.serviceName;
    publisher.lock();
    try {
      if (publisher.isClosedLocked()) {
        return;
      }
      SourceStatus previous = status;
      status = previous.isStale()
          ? new SourceStatus(true, previous.staleSinceNanos(), description,
              previous.consecutiveFailures() + 1)
          : new SourceStatus(true, config.ticker.read(), description, 1);
      if (!everReceived) {
        publisher.setCurrentLocked(publisher.currentLocked(),
            "no endpoints yet for " + service + ": " + description);
        publisher.refreshLocked(config.ticker.read());
        Exception error = new NoEndpointAvailableException(service,
            "the endpoint source failed before its first list: " + description, List.of());
        if (cause != null) {
          error.initCause(cause);
        }
        events.addTask("whenReady", () -> ready.completeExceptionally(error));
      }
      if (!previous.isStale()) {
        // The source logs its own failures; this line marks the start of the stale period.
        log.info("{}: endpoint source is stale ({}): {}", service,
            everReceived ? "serving the last good list" : "no list received yet", description,
            cause);
        events.add("onSourceStale", l -> l.onSourceStale(service, true, description));
      }
    } finally {
      publisher.unlock();
    }
  }

  /** Stops the source's deliveries (after the load balancer published its closed snapshot). */
  void close() {
    EndpointSource.Subscription s;
    publisher.lock();
    try {
      s = subscription;
      forgetTask.cancel();
      forgetArmed = false;
      events.addTask("whenReady", () -> ready.completeExceptionally(
          new IllegalStateException("load balancer for " + config.serviceName + " is closed")));
    } finally {
      publisher.unlock();
    }
    if (s != null) {
      s.close();
    }
  }
}
