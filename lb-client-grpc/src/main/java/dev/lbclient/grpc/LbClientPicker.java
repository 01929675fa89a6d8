package dev.lbclient.grpc;

import dev.lbclient.Endpoint;
import dev.lbclient.LoadBalancer;
import dev.lbclient.NoEndpointAvailableException;
import dev.lbclient.Pick;
import dev.lbclient.RequestContext;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.Status;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Picks with the load balancer among the endpoints whose subchannel was READY when this picker was
 * built, and hands gRPC the lease as the stream tracer factory. Immutable: the map from endpoint
 * address to subchannel never changes; a new state means a new picker.
 *
 * <p>A pick the load balancer refuses (every READY endpoint ejected, refused by its breaker, or
 * the pool in panic with fail-fast) fails the call with {@code UNAVAILABLE} and the load
 * balancer's message, or keeps a wait-for-ready call buffered. A shared load balancer the
 * application closed drops the call; the policy's own, closed when it was replaced, makes gRPC pick
 * again with the current picker. Thread-safe.
 */
final class LbClientPicker extends SubchannelPicker {
  private final LoadBalancer lb;
  private final boolean ownLoadBalancer;
  private final Map<String, Subchannel> ready;
  private final Predicate<Endpoint> isReady;
  private final boolean deadlineExceededIsFailure;
  private final PendingLeases leases;
  private final Runnable onRefused;

  LbClientPicker(LoadBalancer lb, boolean ownLoadBalancer, Map<String, Subchannel> ready,
      boolean deadlineExceededIsFailure, PendingLeases leases, Runnable onRefused) {
    this.lb = lb;
    this.ownLoadBalancer = ownLoadBalancer;
    this.ready = ready;
    this.isReady = e -> ready.containsKey(e.address());
    this.deadlineExceededIsFailure = deadlineExceededIsFailure;
    this.leases = leases;
    this.onRefused = onRefused;
  }

  @Override
  public PickResult pickSubchannel(PickSubchannelArgs args) {
    RequestContext context = args.getCallOptions().getOption(GrpcLoadBalancing.REQUEST_CONTEXT);
    Pick pick;
    try {
      pick = lb.pick(context != null ? context : RequestContext.none(), isReady);
    } catch (NoEndpointAvailableException e) {
      onRefused.run();
      return PickResult.withError(Status.UNAVAILABLE.withDescription(e.getMessage()));
    } catch (IllegalStateException e) { // the load balancer is closed
      // The policy's own one is closed once a newer picker is published, or at shutdown: pick
      // again. A shared one was closed by the application under a live channel: fail for good.
      return ownLoadBalancer ? PickResult.withNoResult()
          : PickResult.withDrop(Status.UNAVAILABLE.withDescription(e.getMessage()));
    }
    Subchannel subchannel = ready.get(pick.endpoint().address());
    if (subchannel == null) { // the filter admits only keys of the map; kept for safety
      pick.cancel();
      return PickResult.withError(Status.INTERNAL.withDescription(
          "lbclient: picked " + pick.endpoint() + " without a READY subchannel"));
    }
    CallLease lease = new CallLease(pick, deadlineExceededIsFailure, leases);
    if (!leases.track(lease)) {
      return PickResult.withNoResult(); // the policy has shut down; the channel picks again
    }
    return PickResult.withSubchannel(subchannel, lease);
  }

  @Override
  public String toString() {
    return "LbClientPicker{" + lb + ", ready=" + ready.keySet() + '}';
  }
}
