package dev.lbclient;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The load balancer: wires one home per mechanism and owns the lifecycle.
 *
 * <pre>
 * EndpointSource -> SourceSubscription -> ServerPool -> Publisher (SnapshotBuilder) -> Snapshot
 *   -> Selection (pick) -> Lease -> Outcomes -> OutlierEjector / BreakerTracker -> Publisher ...
 * </pre>
 *
 * <p>{@link Publisher} is the one writer and states the concurrency rules; {@link EventQueue}
 * delivers events after its lock; timed changes run on the {@link Timer}.
 */
final class DefaultLoadBalancer implements LoadBalancer {
  private final LbConfig config;
  private final EventQueue events;
  private final Publisher publisher;
  private final SourceSubscription source;
  private final Selection selection;
  private final Outcomes outcomes;
  private final Penalties penalties;
  private final RetryExecutor retries;
  private final @Nullable HedgeState hedging;
  private final @Nullable HedgedExecutor hedged;
  private final @Nullable HealthCheckRunner healthChecks;

  private DefaultLoadBalancer(LbConfig config) {
    this.config = config;
    this.events = new EventQueue(config.timer::execute);
    for (LoadBalancerListener l : config.listeners) {
      events.register(l);
    }
    SlowStart slowStart = new SlowStart(config.slowStartNanos, config.strategy);
    PickerEnv env = new PickerEnv(config.rng, new LongAdder(), config.ticker);
    this.publisher = new Publisher(config, new SnapshotBuilder(config, slowStart, env), events);
    OutlierEjector ejector = new OutlierEjector(config, publisher, events, slowStart);
    BreakerTracker breakers = new BreakerTracker(config, publisher, events, slowStart);
    this.penalties = new Penalties(config, publisher, events, slowStart);
    publisher.expiry((s, now) -> {
      ejector.readmitIfDue(s, now);
      penalties.expireIfDue(s, now);
      slowStart.finishIfDue(s, now);
      breakers.syncStateLocked(s, now);
    });
    this.source = new SourceSubscription(config, publisher, events, slowStart, this);
    this.outcomes = new Outcomes(config, env, ejector, breakers);
    this.selection = new Selection(config, publisher, events, breakers, outcomes);
    this.retries = new RetryExecutor(config, this, events);
    this.hedging = config.hedging == null ? null
        : new HedgeState(config.hedging, config.ticker, config.timer);
    this.hedged = hedging == null ? null : new HedgedExecutor(config, this, hedging, retries);
    this.healthChecks = config.healthCheck == null ? null
        : new HealthCheckRunner(config, config.healthCheck, () -> publisher.snapshot().all,
            penalties);
  }

  static DefaultLoadBalancer start(LoadBalancer.Builder b) {
    DefaultLoadBalancer lb = new DefaultLoadBalancer(new LbConfig(b));
    for (LoadBalancerListener l : lb.config.listeners) {
      try {
        l.onInit(lb);
      } catch (RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(DefaultLoadBalancer.class)
            .warn("LoadBalancerListener onInit threw; ignored", e);
      }
    }
    lb.source.start();
    if (lb.healthChecks != null && lb.config.scheduledHealthChecks) {
      lb.healthChecks.start();
    }
    return lb;
  }

  // ---------------------------------------------------------------- picking

  @Override
  public String serviceName() {
    return config.serviceName;
  }

  @Override
  public Strategy strategy() {
    return config.strategy;
  }

  @Override
  public Pick pick() {
    return selection.pick(RequestContext.none(), null, null);
  }

  @Override
  public Pick pick(RequestContext context) {
    requireNonNull(context, "context");
    return selection.pick(context, null, null);
  }

  @Override
  public Pick pick(RequestContext context, Collection<Endpoint> avoid) {
    requireNonNull(context, "context");
    requireNonNull(avoid, "avoid");
    if (avoid.isEmpty()) {
      return selection.pick(context, null, null);
    }
    Set<String> avoided = new HashSet<>();
    for (Endpoint e : avoid) {
      avoided.add(e.address());
    }
    return selection.pick(context, avoided, null);
  }

  @Override
  public Pick pick(RequestContext context, Predicate<Endpoint> filter) {
    requireNonNull(context, "context");
    requireNonNull(filter, "filter");
    return selection.pick(context, null, filter);
  }

  @Override
  public void explainPicks(boolean on) {
    selection.explain(on);
  }

  @Override
  public <T, X extends Exception> T execute(EndpointCall<T, X> call) throws X {
    return execute(RequestContext.none(), call);
  }

  @Override
  public <T, X extends Exception> T execute(RequestContext context, EndpointCall<T, X> call)
      throws X {
    return hedged != null ? hedged.execute(requireNonNull(context, "context"),
        requireNonNull(call, "call")) : retries.execute(context, call);
  }

  @Override
  public void penalize(Endpoint endpoint, Duration duration) {
    penalties.penalize(endpoint, duration);
  }

  @Override
  public RetryPolicy retryPolicy() {
    return config.retryPolicy;
  }

  @Override
  public RetryThrottle retryThrottle() {
    return retries;
  }

  @Override
  public @Nullable Hedging hedging() {
    return hedging;
  }

  // ---------------------------------------------------------------- listeners

  @Override
  public LoadBalancerListener.Registration addListener(LoadBalancerListener listener) {
    requireNonNull(listener, "listener");
    publisher.lock();
    try {
      replay(listener);
      events.register(listener);
    } finally {
      publisher.unlock();
    }
    return new LoadBalancerListener.Registration() {
      private boolean removed;

      @Override
      public void close() {
        synchronized (this) {
          if (removed) {
            return;
          }
          removed = true;
        }
        events.unregister(listener);
      }
    };
  }

  /** Queues, for {@code l} alone, the events that bring it to the current state. */
  private void replay(LoadBalancerListener l) {
    String service = config.serviceName;
    Snapshot snap = publisher.snapshot();
    long now = config.ticker.read();
    events.addFor(l, "onInit", x -> x.onInit(this));
    if (snap.all.length > 0) {
      List<Endpoint> all = endpointsOf(snap.all);
      events.addFor(l, "onEndpointsChanged", x -> x.onEndpointsChanged(service, all, List.of()));
      events.addFor(l, "onEndpoints", x -> x.onEndpoints(service, all));
    }
    for (EndpointState s : snap.all) {
      Endpoint e = s.endpoint();
      if (s.ejected) {
        Duration left = Duration.ofNanos(Math.max(0, s.ejectedUntilNanos - now));
        events.addFor(l, "onEjected", x -> x.onEjected(service, e, left,
            "ejected before this listener was added"));
      }
      if (s.unhealthy) {
        events.addFor(l, "onHealthChanged", x -> x.onHealthChanged(service, e, false));
      }
      CircuitBreaker.State seen = s.seenBreakerState;
      if (s.breaker != null && seen != CircuitBreaker.State.CLOSED) {
        events.addFor(l, "onBreakerStateChanged", x -> x.onBreakerStateChanged(service, e,
            CircuitBreaker.State.CLOSED, seen));
      }
    }
    if (snap.inPanic && snap.all.length > 0) {
      int usable = snap.usable;
      int total = snap.all.length;
      events.addFor(l, "onPanic", x -> x.onPanic(service, true, usable, total));
    }
    String routing = snap.routing.summary;
    if (!routing.isEmpty() && snap.all.length > 0) {
      events.addFor(l, "onRoutingChanged", x -> x.onRoutingChanged(service, routing));
    }
    SourceStatus status = source.status();
    String lastError = status.lastError();
    if (status.isStale() && lastError != null) {
      events.addFor(l, "onSourceStale", x -> x.onSourceStale(service, true, lastError));
    }
  }

  @Override
  public CompletableFuture<LoadBalancer> whenReady() {
    return source.whenReady();
  }

  // ---------------------------------------------------------------- views

  /** Snapshot count, for tests and the lab. */
  long version() {
    return publisher.snapshot().version;
  }

  /** The published snapshot, for tests. */
  Snapshot publisherSnapshot() {
    return publisher.snapshot();
  }

  EndpointState[] states() {
    return publisher.snapshot().all;
  }

  Outcomes outcomes() {
    return outcomes;
  }

  ServerPool pool() {
    return source.pool();
  }

  Ticker ticker() {
    return config.ticker;
  }

  @Nullable HealthCheckRunner healthChecks() {
    return healthChecks;
  }

  @Override
  public List<Endpoint> endpoints() {
    return endpointsOf(publisher.snapshot().all);
  }

  private static List<Endpoint> endpointsOf(EndpointState[] states) {
    List<Endpoint> list = new ArrayList<>(states.length);
    for (EndpointState s : states) {
      list.add(s.endpoint());
    }
    return Collections.unmodifiableList(list);
  }

  @Override
  public List<EndpointStats> stats() {
    return List.of(publisher.snapshot().all);
  }

  @Override
  public SourceStatus sourceStatus() {
    return source.status();
  }

  @Override
  public List<EndpointStatus> status() {
    return Selection.statusOf(publisher.snapshot(), config.ticker.read());
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public void close() {
    publisher.lock();
    try {
      if (!publisher.closeLocked()) {
        return;
      }
    } finally {
      publisher.unlock();
    }
    if (healthChecks != null) {
      healthChecks.close();
    }
    source.close();
  }

  @Override
  public String toString() {
    return "LoadBalancer{" + config.serviceName + ", " + config.strategy.name() + ", "
        + publisher.snapshot().all.length + " endpoints}";
  }
}
