package dev.lbclient.grpc;

import static io.grpc.ConnectivityState.CONNECTING;
import static io.grpc.ConnectivityState.IDLE;
import static io.grpc.ConnectivityState.READY;
import static io.grpc.ConnectivityState.SHUTDOWN;
import static io.grpc.ConnectivityState.TRANSIENT_FAILURE;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.MutableEndpointSource;
import io.grpc.ChannelLogger.ChannelLogLevel;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * The {@code lbclient} policy: one subchannel per endpoint, and a picker that asks a {@link
 * dev.lbclient.LoadBalancer} to choose among the READY ones.
 *
 * <p>Connectivity is handled as gRPC's round_robin does with its pick_first children: every
 * subchannel is asked to connect, and again whenever it falls back to IDLE; TRANSIENT_FAILURE is
 * sticky (a subchannel that failed stays failed for the aggregate until it is READY again, while
 * gRPC reconnects it with its own backoff); TRANSIENT_FAILURE and IDLE ask the resolver to refresh.
 * The channel is READY if any subchannel is, else CONNECTING if any is IDLE or connecting, else
 * TRANSIENT_FAILURE with a subchannel's error.
 *
 * <p>The load balancer is the one the resolver passed ({@link GrpcLoadBalancing#channelFor}),
 * shared and never closed here, or else one this policy builds from its config and the resolved
 * addresses, owned and closed at shutdown.
 *
 * <p><b>Every method but {@link #scheduleRepick()} runs on the channel's synchronization
 * context;</b> pickers are immutable and read nothing of this class but {@link PendingLeases}.
 */
final class LbClientLoadBalancer extends LoadBalancer {
  private static final long SWEEP_SECONDS = 1;
  private static final long REPICK_SECONDS = 1;

  private final Helper helper;
  private final SynchronizationContext syncContext;
  private final PendingLeases leases = new PendingLeases();
  private final AtomicBoolean repickScheduled = new AtomicBoolean();
  /** By endpoint address, in resolution order. */
  private final Map<String, Child> children = new LinkedHashMap<>();
  private dev.lbclient.@Nullable LoadBalancer lb;
  private dev.lbclient.@Nullable LoadBalancer owned;
  private @Nullable MutableEndpointSource ownedSource;
  private PolicyConfig config = PolicyConfig.DEFAULTS;
  private SynchronizationContext.@Nullable ScheduledHandle sweeper;
  private @Nullable ConnectivityState published;
  private Map<String, Subchannel> publishedReady = Map.of();
  private dev.lbclient.@Nullable LoadBalancer publishedLb;
  private PolicyConfig publishedConfig = PolicyConfig.DEFAULTS;
  private boolean shutdown;
  private boolean warnedIgnoredConfig;

  LbClientLoadBalancer(Helper helper) {
    this.helper = helper;
    this.syncContext = helper.getSynchronizationContext();
  }

  @Override
  public Status acceptResolvedAddresses(ResolvedAddresses resolved) {
    Object rawConfig = resolved.getLoadBalancingPolicyConfig();
    PolicyConfig cfg = rawConfig instanceof PolicyConfig ? (PolicyConfig) rawConfig
        : PolicyConfig.DEFAULTS;
    Map<String, EquivalentAddressGroup> groups = new LinkedHashMap<>();
    List<Endpoint> endpoints = new ArrayList<>();
    for (EquivalentAddressGroup eag : resolved.getAddresses()) {
      Endpoint e = AddressGroups.endpoint(eag);
      if (e != null && groups.putIfAbsent(e.address(), eag) == null) {
        endpoints.add(e);
      }
    }
    if (endpoints.isEmpty()) {
      Status error = Status.UNAVAILABLE.withDescription("lbclient: no usable address for "
          + helper.getAuthority() + " in " + resolved.getAddresses());
      handleNameResolutionError(error);
      return error;
    }
    dev.lbclient.@Nullable LoadBalancer retired = useLoadBalancer(
        resolved.getAttributes().get(GrpcLoadBalancing.LOAD_BALANCER), endpoints, cfg);
    if (sweeper == null) {
      sweeper = syncContext.scheduleWithFixedDelay(leases::sweep, SWEEP_SECONDS, SWEEP_SECONDS,
          TimeUnit.SECONDS, helper.getScheduledExecutorService());
    }
    List<Child> removed = new ArrayList<>();
    for (Iterator<Child> it = children.values().iterator(); it.hasNext(); ) {
      Child c = it.next();
      if (!groups.containsKey(c.key)) {
        removed.add(c);
        it.remove();
      }
    }
    for (Map.Entry<String, EquivalentAddressGroup> g : groups.entrySet()) {
      Child c = children.get(g.getKey());
      if (c == null) {
        children.put(g.getKey(), newChild(g.getKey(), g.getValue()));
      } else if (!c.addresses.equals(g.getValue().getAddresses())) {
        c.addresses = g.getValue().getAddresses();
        c.subchannel.updateAddresses(List.of(g.getValue()));
      }
    }
    updateBalancingState(false);
    // As gRPC does: retire what the new picker no longer uses once it is published.
    for (Child c : removed) {
      c.subchannel.shutdown();
    }
    if (retired != null) {
      retired.close();
    }
    return Status.OK;
  }

  /** Chooses the load balancer; returns the one of its own it stops using, to close. */
  private dev.lbclient.@Nullable LoadBalancer useLoadBalancer(
      dev.lbclient.@Nullable LoadBalancer shared, List<Endpoint> endpoints, PolicyConfig cfg) {
    dev.lbclient.@Nullable LoadBalancer retired = null;
    if (shared != null) {
      retired = owned;
      owned = null;
      ownedSource = null;
      if ((cfg.strategy != null || cfg.slowStart != null) && !warnedIgnoredConfig) {
        warnedIgnoredConfig = true;
        helper.getChannelLogger().log(ChannelLogLevel.WARNING, "lbclient: the config''s strategy"
            + " and slowStart are ignored; the channel uses {0}", shared);
      }
      lb = shared;
    } else if (owned != null && ownedSource != null && config.sameLoadBalancerAs(cfg)) {
      ownedSource.set(endpoints);
    } else {
      retired = owned;
      MutableEndpointSource source = EndpointSource.mutable(endpoints.toArray(new Endpoint[0]));
      dev.lbclient.LoadBalancer.Builder b =
          dev.lbclient.LoadBalancer.builder(helper.getAuthority()).endpoints(source);
      if (cfg.strategy != null) {
        b.strategy(cfg.strategy);
      }
      if (cfg.slowStart != null) {
        b.slowStart(cfg.slowStart);
      }
      owned = b.build();
      ownedSource = source;
      lb = owned;
    }
    config = cfg;
    return retired;
  }

  private Child newChild(String key, EquivalentAddressGroup eag) {
    Subchannel subchannel = helper.createSubchannel(
        CreateSubchannelArgs.newBuilder().setAddresses(eag).build());
    Child child = new Child(key, subchannel, eag.getAddresses());
    subchannel.start(info -> onSubchannelState(child, info));
    subchannel.requestConnection();
    return child;
  }

  private void onSubchannelState(Child child, ConnectivityStateInfo info) {
    ConnectivityState next = info.getState();
    if (shutdown || children.get(child.key) != child || next == SHUTDOWN) {
      return;
    }
    if (next == TRANSIENT_FAILURE || next == IDLE) {
      helper.refreshNameResolution();
    }
    if (next == IDLE) {
      child.subchannel.requestConnection();
    }
    if (child.state.getState() == TRANSIENT_FAILURE && (next == CONNECTING || next == IDLE)) {
      return; // sticky TRANSIENT_FAILURE until READY
    }
    child.state = info;
    updateBalancingState(false);
  }

  /** Publishes the aggregate state and a picker when anything a picker holds changed. */
  private void updateBalancingState(boolean force) {
    Map<String, Subchannel> ready = new LinkedHashMap<>();
    boolean connecting = false;
    Status error = null;
    for (Child c : children.values()) {
      ConnectivityState s = c.state.getState();
      if (s == READY) {
        ready.put(c.key, c.subchannel);
      } else if (s == CONNECTING || s == IDLE) {
        connecting = true;
      } else if (s == TRANSIENT_FAILURE) {
        error = c.state.getStatus();
      }
    }
    ConnectivityState state = !ready.isEmpty() ? READY : connecting ? CONNECTING
        : TRANSIENT_FAILURE;
    if (!force && state == published && state != TRANSIENT_FAILURE
        && ready.equals(publishedReady) && lb == publishedLb && config.equals(publishedConfig)) {
      return;
    }
    SubchannelPicker picker;
    if (state == READY) {
      dev.lbclient.LoadBalancer current = lbOrFail();
      picker = new LbClientPicker(current, current == owned, Map.copyOf(ready),
          config.deadlineExceededIsFailure, leases, this::scheduleRepick);
    } else if (state == CONNECTING) {
      picker = new FixedResultPicker(PickResult.withNoResult());
    } else {
      Status cause = error != null ? error : Status.UNAVAILABLE;
      picker = new FixedResultPicker(PickResult.withError(cause.augmentDescription(
          "lbclient: no READY connection to any of " + children.size() + " endpoints of "
              + helper.getAuthority())));
    }
    published = state;
    publishedReady = ready;
    publishedLb = lb;
    publishedConfig = config;
    helper.updateBalancingState(state, picker);
  }

  private dev.lbclient.LoadBalancer lbOrFail() {
    if (lb == null) {
      throw new IllegalStateException("no load balancer before the first addresses");
    }
    return lb;
  }

  @Override
  public void handleNameResolutionError(Status error) {
    if (children.isEmpty() || published != READY) {
      published = TRANSIENT_FAILURE;
      publishedReady = Map.of();
      helper.updateBalancingState(TRANSIENT_FAILURE,
          new FixedResultPicker(PickResult.withError(error)));
    }
  }

  @Override
  public void requestConnection() {
    for (Child c : children.values()) {
      if (c.state.getState() == IDLE) {
        c.subchannel.requestConnection();
      }
    }
  }

  /**
   * Called by a picker, from any thread, when the load balancer refused every READY endpoint:
   * within a second a fresh picker is published, so calls buffered by gRPC (wait-for-ready) are
   * picked again once an ejection or a breaker's wait is over.
   */
  void scheduleRepick() {
    if (leases.isClosed() || !repickScheduled.compareAndSet(false, true)) {
      return;
    }
    try {
      syncContext.schedule(() -> {
        repickScheduled.set(false);
        if (!shutdown && published == READY) {
          updateBalancingState(true);
        }
      }, REPICK_SECONDS, TimeUnit.SECONDS, helper.getScheduledExecutorService());
    } catch (RejectedExecutionException e) {
      repickScheduled.set(false); // the channel is terminating: nothing left to pick for
    }
  }

  @Override
  public void shutdown() {
    shutdown = true;
    if (sweeper != null) {
      sweeper.cancel();
    }
    for (Child c : children.values()) {
      c.subchannel.shutdown();
    }
    children.clear();
    leases.close();
    closeOwned();
    lb = null;
  }

  private void closeOwned() {
    if (owned != null) {
      owned.close();
      owned = null;
      ownedSource = null;
    }
  }

  private static final class Child {
    final String key;
    final Subchannel subchannel;
    List<SocketAddress> addresses;
    ConnectivityStateInfo state = ConnectivityStateInfo.forNonError(IDLE);

    Child(String key, Subchannel subchannel, List<SocketAddress> addresses) {
      this.key = key;
      this.subchannel = subchannel;
      this.addresses = addresses;
    }
  }
}
