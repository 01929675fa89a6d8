package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Events leave the update lock: delivered after it, in order, on the shared timer's worker thread,
 * never on the thread that caused the change. A listener may call back into the load balancer, and
 * a listener that blocks holds up neither picks nor updates. Runtime listeners get the current
 * state replayed; whenReady completes on the first non-empty list. Real threads, no sleeps: every
 * wait is for an event, bounded.
 */
class EventDeliveryTest {
  private static final Endpoint A = Endpoint.of("10.0.0.1", 8080);
  private static final Endpoint B = Endpoint.of("10.0.0.2", 8080);
  private static final Endpoint C = Endpoint.of("10.0.0.3", 8080);
  private static final long WAIT_SECONDS = 30;

  private static LoadBalancer ejectingAfterOneFailure(EndpointSource source) {
    return LoadBalancer.builder("orders")
        .endpoints(source)
        .strategy(Strategy.roundRobin())
        .outlierDetection(OutlierDetection.builder().consecutiveFailures(1).build())
        .noCircuitBreakers()
        .build();
  }

  private static void fail(LoadBalancer lb, Endpoint e) {
    lb.pick(RequestContext.none(), x -> x.sameAddress(e)).failure(new IOException("boom"));
  }

  private static <T> T take(BlockingQueue<T> queue) throws InterruptedException {
    T t = queue.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(t).as("an event within %s s", WAIT_SECONDS).isNotNull();
    return t;
  }

  @Test
  void listener_runsOnTimerThread_notOnTheCaller_andMayCallBack() throws Exception {
    LoadBalancer lb = ejectingAfterOneFailure(EndpointSource.of(A, B, C));
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    lb.addListener(new LoadBalancerListener() {
      @Override
      public void onEjected(String service, Endpoint e, Duration d, String reason) {
        String status = lb.status().toString();
        Pick p = lb.pick();
        p.success();
        seen.add(Thread.currentThread().getName() + " | " + status);
      }
    });

    fail(lb, A);

    String delivery = take(seen);
    assertThat(delivery).startsWith("lb-client-events-")
        .contains("10.0.0.1:8080 ejected for 30.0 s");
    lb.close();
  }

  @Test
  void listener_mayCloseTheLoadBalancer() throws Exception {
    LoadBalancer lb = ejectingAfterOneFailure(EndpointSource.of(A, B, C));
    CompletableFuture<Void> closed = new CompletableFuture<>();
    lb.addListener(new LoadBalancerListener() {
      @Override
      public void onEjected(String service, Endpoint e, Duration d, String reason) {
        lb.close();
        closed.complete(null);
      }
    });

    fail(lb, A);

    closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThatThrownBy(lb::pick).isInstanceOf(IllegalStateException.class)
        .hasMessage("load balancer for orders is closed");
  }

  @Test
  void slowListener_holdsUpNeitherPicksNorUpdates_thenGetsEveryEventInOrder() throws Exception {
    MutableEndpointSource source = EndpointSource.mutable(A, B, C);
    LoadBalancer lb = ejectingAfterOneFailure(source);
    CountDownLatch release = new CountDownLatch(1);
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    lb.addListener(new LoadBalancerListener() {
      @Override
      public void onEjected(String service, Endpoint e, Duration d, String reason) {
        try {
          release.await(WAIT_SECONDS, TimeUnit.SECONDS); // blocks the event thread
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
        }
        seen.add("ejected " + e.address());
      }

      @Override
      public void onEndpointsChanged(String service, List<Endpoint> added, List<Endpoint> removed) {
        seen.add("added " + added + " removed " + removed);
      }
    });
    TestSupport.awaitEvents(lb);
    seen.clear(); // the replay

    fail(lb, A); // the listener now blocks on this event
    for (int i = 0; i < 1_000; i++) { // picks and completions go on
      lb.pick().success();
    }
    source.set(B, C); // so do updates
    assertThat(lb.endpoints()).containsExactly(B, C);

    release.countDown();
    assertThat(take(seen)).isEqualTo("ejected 10.0.0.1:8080");
    assertThat(take(seen)).isEqualTo("added [] removed [10.0.0.1:8080]");
    lb.close();
  }

  @Test
  void addListener_replaysCurrentState_thenOnlyNewEvents() throws Exception {
    MutableEndpointSource source = EndpointSource.mutable(A, B, C);
    LoadBalancer lb = ejectingAfterOneFailure(source);
    fail(lb, A);
    BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    LoadBalancerListener recorder = new LoadBalancerListener() {
      @Override
      public void onInit(LoadBalancer loadBalancer) {
        seen.add("init " + (loadBalancer == lb));
      }

      @Override
      public void onEndpointsChanged(String service, List<Endpoint> added, List<Endpoint> removed) {
        seen.add("added " + added + " removed " + removed);
      }

      @Override
      public void onEndpoints(String service, List<Endpoint> endpoints) {
        seen.add("list " + endpoints);
      }

      @Override
      public void onEjected(String service, Endpoint e, Duration d, String reason) {
        seen.add("ejected " + e.address() + ": " + reason);
      }
    };

    LoadBalancerListener.Registration registration = lb.addListener(recorder);
    assertThat(take(seen)).isEqualTo("init true");
    assertThat(take(seen)).isEqualTo(
        "added [10.0.0.1:8080, 10.0.0.2:8080, 10.0.0.3:8080] removed []");
    assertThat(take(seen)).isEqualTo("list [10.0.0.1:8080, 10.0.0.2:8080, 10.0.0.3:8080]");
    assertThat(take(seen)).isEqualTo(
        "ejected 10.0.0.1:8080: ejected before this listener was added");

    source.set(B, C);
    assertThat(take(seen)).isEqualTo("added [] removed [10.0.0.1:8080]");
    assertThat(take(seen)).isEqualTo("list [10.0.0.2:8080, 10.0.0.3:8080]");

    registration.close();
    source.set(C);
    TestSupport.awaitEvents(lb);
    assertThat(seen).isEmpty();
    lb.close();
  }

  @Test
  void whenReady_completesOnFirstNonEmptyList() throws Exception {
    MutableEndpointSource source = EndpointSource.mutable();
    LoadBalancer lb = ejectingAfterOneFailure(source);
    CompletableFuture<LoadBalancer> ready = lb.whenReady();
    TestSupport.awaitEvents(lb);
    assertThat(ready).isNotDone();

    source.set(A);

    assertThat(ready.get(WAIT_SECONDS, TimeUnit.SECONDS)).isSameAs(lb);
    assertThat(lb.whenReady().get(WAIT_SECONDS, TimeUnit.SECONDS)).isSameAs(lb);
    lb.close();
  }

  @Test
  void whenReady_failsWithTheSourcesError() {
    EndpointSource failing = new EndpointSource() {
      @Override
      public Subscription start(Listener listener) {
        listener.onError("SRV _http._tcp.orders.internal failed: SERVFAIL", null);
        return () -> {};
      }

      @Override
      public String description() {
        return "SRV _http._tcp.orders.internal";
      }
    };
    LoadBalancer lb = ejectingAfterOneFailure(failing);

    assertThatThrownBy(() -> lb.whenReady().get(WAIT_SECONDS, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(NoEndpointAvailableException.class)
        .hasMessage("the endpoint source failed before its first list: "
            + "SRV _http._tcp.orders.internal failed: SERVFAIL");
    lb.close();
  }

  @Test
  void whenReady_failsOnClose() {
    LoadBalancer lb = ejectingAfterOneFailure(EndpointSource.mutable());
    CompletableFuture<LoadBalancer> ready = lb.whenReady();

    lb.close();

    assertThatThrownBy(() -> ready.get(WAIT_SECONDS, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(IllegalStateException.class)
        .hasMessage("load balancer for orders is closed");
  }
}
