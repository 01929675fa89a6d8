package dev.lbclient.grpc;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The endpoint list of a running {@link LoadBalancer}, as a source: delivered at start, then
 * whenever it differs from the last delivery. The core offers no change listener to third
 * parties, so the list is polled (a cheap read of a volatile array) on the channel's timer; a
 * channel follows its load balancer's list within one period. Thread-safe; no threads of its own.
 */
final class LoadBalancerEndpoints implements EndpointSource {
  static final long PERIOD_MILLIS = 1000;

  private final LoadBalancer lb;
  private final ScheduledExecutorService timer;

  LoadBalancerEndpoints(LoadBalancer lb, ScheduledExecutorService timer) {
    this.lb = lb;
    this.timer = timer;
  }

  @Override
  public Subscription start(Listener listener) {
    Poller poller = new Poller(listener);
    poller.run();
    ScheduledFuture<?> future = timer.scheduleWithFixedDelay(poller, PERIOD_MILLIS,
        PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    return () -> future.cancel(false);
  }

  @Override
  public String description() {
    return "load balancer " + lb.serviceName();
  }

  private final class Poller implements Runnable {
    private final Listener listener;
    /** Runs are serialized: the first before scheduling, the rest with a fixed delay. */
    private List<Endpoint> last = List.of();
    private boolean first = true;

    Poller(Listener listener) {
      this.listener = listener;
    }

    @Override
    public void run() {
      List<Endpoint> now = lb.endpoints();
      if (first || !now.equals(last)) {
        first = false;
        last = now;
        listener.onEndpoints(now);
      }
    }
  }
}
