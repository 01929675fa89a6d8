package dev.lbclient.grpc;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.LoadBalancerListener;
import java.util.List;

/**
 * The endpoint list of a running {@link LoadBalancer}, as a source: delivered at start, then on
 * every change, from the load balancer's own events ({@link LoadBalancer#addListener}), so a
 * channel follows its load balancer's list as soon as it changes. Thread-safe; no threads of its
 * own.
 */
final class LoadBalancerEndpoints implements EndpointSource {
  private final LoadBalancer lb;

  LoadBalancerEndpoints(LoadBalancer lb) {
    this.lb = lb;
  }

  @Override
  public Subscription start(Listener listener) {
    Forwarder forwarder = new Forwarder(listener);
    forwarder.deliver(lb.endpoints());
    LoadBalancerListener.Registration registration = lb.addListener(forwarder);
    return registration::close;
  }

  @Override
  public String description() {
    return "load balancer " + lb.serviceName();
  }

  /** Delivers each list that differs from the last one, one delivery at a time. */
  private static final class Forwarder implements LoadBalancerListener {
    private final Listener listener;
    private List<Endpoint> last = List.of();
    private boolean first = true;

    Forwarder(Listener listener) {
      this.listener = listener;
    }

    @Override
    public void onEndpoints(String service, List<Endpoint> endpoints) {
      deliver(endpoints);
    }

    synchronized void deliver(List<Endpoint> endpoints) {
      if (first || !endpoints.equals(last)) {
        first = false;
        last = endpoints;
        listener.onEndpoints(endpoints);
      }
    }
  }
}
