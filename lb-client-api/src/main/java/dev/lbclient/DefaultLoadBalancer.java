package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The load balancer. Updates (snapshots, errors, close) are serialized on {@link #lock} and end by
 * publishing a new immutable {@link Picker} with one volatile write; {@link #pick} reads that field
 * once and never locks.
 */
final class DefaultLoadBalancer implements LoadBalancer, EndpointSource.Listener {
  private static final Logger log = LoggerFactory.getLogger(DefaultLoadBalancer.class);
  static final int SUCCESS = 0;
  static final int FAILURE = 1;
  static final int CANCELLED = 2;
  private static final EndpointState[] NONE = new EndpointState[0];

  private final String serviceName;
  private final EndpointSource source;
  private final StrategyImpl strategy;
  private final Ticker ticker;
  private final PickerEnv env;
  private final boolean trackTotalInFlight;
  private final Object lock = new Object();
  private final ServerPool pool;

  private volatile Picker picker;
  private volatile EndpointState[] current = NONE;
  private volatile long version;
  private volatile SourceStatus sourceStatus = SourceStatus.FRESH;
  // Guarded by lock.
  private boolean closed;
  private boolean everReceived;
  private EndpointSource.@Nullable Subscription subscription;

  private DefaultLoadBalancer(LoadBalancer.Builder b) {
    this.serviceName = b.serviceName;
    this.source = requireNonNull(b.source);
    this.strategy = (StrategyImpl) (b.strategy != null ? b.strategy : Strategy.powerOfTwoChoices());
    this.ticker = b.ticker != null ? b.ticker : Ticker.system();
    this.env = new PickerEnv(b.rng != null ? b.rng : Rng.THREAD_LOCAL, new LongAdder());
    this.trackTotalInFlight = strategy.needsTotalInFlight();
    double tauMillis = (b.peakEwmaDecay != null
        ? b.peakEwmaDecay : LoadBalancer.Builder.DEFAULT_PEAK_EWMA_DECAY).toNanos() / 1e6;
    this.pool = new ServerPool(serviceName, tauMillis,
        b.removedEndpointGrace != null
            ? b.removedEndpointGrace : LoadBalancer.Builder.DEFAULT_REMOVED_ENDPOINT_GRACE,
        ticker);
    this.picker = new EmptyPicker(
        "no endpoints yet for " + serviceName + ": waiting for " + source.description());
  }

  static DefaultLoadBalancer start(LoadBalancer.Builder b) {
    DefaultLoadBalancer lb = new DefaultLoadBalancer(b);
    EndpointSource.Subscription s = lb.source.start(lb);
    synchronized (lb.lock) {
      lb.subscription = s;
      if (lb.closed) {
        s.close();
      }
    }
    return lb;
  }

  @Override
  public String serviceName() {
    return serviceName;
  }

  @Override
  public Strategy strategy() {
    return strategy;
  }

  @Override
  public Pick pick() {
    return pick(RequestContext.none());
  }

  @Override
  public Pick pick(RequestContext context) {
    requireNonNull(context, "context");
    long now = ticker.read();
    EndpointState state = picker.pick(context, now);
    state.acquire();
    if (trackTotalInFlight) {
      env.totalInFlight.increment();
    }
    return new Lease(this, state, now);
  }

  /** Called exactly once per lease. */
  void complete(EndpointState state, long startNanos, int outcome, @Nullable Throwable cause) {
    if (outcome != CANCELLED) {
      long now = ticker.read();
      if (outcome == SUCCESS) {
        state.recordSuccess(now - startNanos, now);
      } else {
        state.recordFailure(now - startNanos, now);
      }
    }
    state.release();
    if (trackTotalInFlight) {
      env.totalInFlight.decrement();
    }
  }

  @Override
  public void onEndpoints(List<Endpoint> endpoints) {
    requireNonNull(endpoints, "endpoints");
    synchronized (lock) {
      if (closed) {
        return;
      }
      everReceived = true;
      if (sourceStatus.isStale()) {
        log.info("{}: endpoint source recovered after {} failed refreshes", serviceName,
            sourceStatus.consecutiveFailures());
      }
      sourceStatus = SourceStatus.FRESH;
      int before = pool.size();
      EndpointState[] states = pool.reconcile(endpoints);
      Picker next = states.length == 0
          ? new EmptyPicker("no endpoints for " + serviceName + ": " + source.description()
              + " returned an empty list")
          : strategy.newPicker(states, env);
      publish(states, next);
      if (states.length == 0) {
        log.warn("{}: the endpoint list is empty; picks fail until it is not", serviceName);
      } else if (states.length != before) {
        log.info("{}: {} endpoints (was {})", serviceName, states.length, before);
      }
    }
  }

  @Override
  public void onError(String description, @Nullable Throwable cause) {
    requireNonNull(description, "description");
    synchronized (lock) {
      if (closed) {
        return;
      }
      SourceStatus previous = sourceStatus;
      sourceStatus = previous.isStale()
          ? new SourceStatus(true, previous.staleSinceNanos(), description,
              previous.consecutiveFailures() + 1)
          : new SourceStatus(true, ticker.read(), description, 1);
      if (!everReceived) {
        publish(NONE, new EmptyPicker("no endpoints yet for " + serviceName + ": " + description));
      }
      log.warn("{}: endpoint source failed, keeping the last good list: {}", serviceName,
          description, cause);
    }
  }

  /** Version first, then picker: a pick that sees picker v ran after version v was written. */
  private void publish(EndpointState[] states, Picker next) {
    version++;
    current = states;
    picker = next;
  }

  /** Snapshot count, for tests. */
  long version() {
    return version;
  }

  @Override
  public List<Endpoint> endpoints() {
    EndpointState[] states = current;
    List<Endpoint> list = new ArrayList<>(states.length);
    for (EndpointState s : states) {
      list.add(s.endpoint());
    }
    return Collections.unmodifiableList(list);
  }

  @Override
  public List<EndpointStats> stats() {
    return List.of(current);
  }

  @Override
  public SourceStatus sourceStatus() {
    return sourceStatus;
  }

  EndpointState[] states() {
    return current;
  }

  ServerPool pool() {
    return pool;
  }

  @Override
  public void close() {
    EndpointSource.Subscription s;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      picker = new ClosedPicker();
      s = subscription;
    }
    if (s != null) {
      s.close();
    }
  }

  @Override
  public String toString() {
    return "LoadBalancer{" + serviceName + ", " + strategy.name() + ", " + current.length
        + " endpoints}";
  }

  private final class EmptyPicker extends Picker {
    private final String reason;

    EmptyPicker(String reason) {
      super(NONE);
      this.reason = reason;
    }

    @Override
    EndpointState pick(RequestContext context, long nowNanos) {
      throw new NoEndpointAvailableException(serviceName, reason);
    }
  }

  private final class ClosedPicker extends Picker {
    ClosedPicker() {
      super(NONE);
    }

    @Override
    EndpointState pick(RequestContext context, long nowNanos) {
      throw new IllegalStateException("load balancer for " + serviceName + " is closed");
    }
  }
}
