package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbclient.TestSupport.RecordingListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MutableEndpointSourceTest {
  private static final Endpoint A = Endpoint.of("10.0.0.1", 80);
  private static final Endpoint B = Endpoint.of("10.0.0.2", 80);
  private static final Endpoint C = Endpoint.of("10.0.0.3", 80);

  @Test
  void start_deliversCurrentList() {
    MutableEndpointSource source = EndpointSource.mutable(A);
    source.set(B, C);
    RecordingListener listener = new RecordingListener();

    source.start(listener);

    assertThat(listener.snapshots).containsExactly(List.of(B, C));
  }

  @Test
  void set_deliveredToEveryListener() {
    MutableEndpointSource source = EndpointSource.mutable(A);
    RecordingListener first = new RecordingListener();
    RecordingListener second = new RecordingListener();
    source.start(first);
    source.start(second);

    source.set(B, C);

    assertThat(first.snapshots).containsExactly(List.of(A), List.of(B, C));
    assertThat(second.snapshots).containsExactly(List.of(A), List.of(B, C));
    assertThat(source.endpoints()).containsExactly(B, C);
  }

  @Test
  void close_stopsDelivery() {
    MutableEndpointSource source = EndpointSource.mutable(A);
    RecordingListener stopped = new RecordingListener();
    RecordingListener running = new RecordingListener();
    EndpointSource.Subscription subscription = source.start(stopped);
    source.start(running);

    subscription.close();
    source.set(B);
    subscription.close();
    source.set(C);

    assertThat(stopped.snapshots).containsExactly(List.of(A));
    assertThat(running.snapshots).containsExactly(List.of(A), List.of(B), List.of(C));
  }

  @Test
  void set_copiesTheCollection() {
    MutableEndpointSource source = EndpointSource.mutable();
    List<Endpoint> given = new ArrayList<>(List.of(A, B));
    RecordingListener listener = new RecordingListener();
    source.start(listener);

    source.set(given);
    given.add(C);

    assertThat(source.endpoints()).containsExactly(A, B);
    assertThat(listener.snapshots.get(1)).containsExactly(A, B);
    assertThatThrownBy(() -> listener.snapshots.get(1).add(C))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void set_null() {
    MutableEndpointSource source = EndpointSource.mutable(A);
    assertThatThrownBy(() -> source.set((List<Endpoint>) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("endpoints");
    assertThatThrownBy(() -> source.set(A, null))
        .isInstanceOf(NullPointerException.class);
    assertThat(source.endpoints()).containsExactly(A);
  }

  @Test
  void set_emptyMakesPickFail() {
    MutableEndpointSource source = EndpointSource.mutable(A, B);
    try (LoadBalancer lb = LoadBalancer.builder("orders").endpoints(source).build()) {
      source.set();

      assertThat(lb.endpoints()).isEmpty();
      assertThatThrownBy(lb::pick)
          .isInstanceOf(NoEndpointAvailableException.class)
          .hasMessage("no endpoints for orders: mutable list returned an empty list")
          .satisfies(e -> assertThat(((NoEndpointAvailableException) e).serviceName())
              .isEqualTo("orders"));
    }
  }

  @Test
  void set_nonEmptyAfterEmptyServesAgain() {
    MutableEndpointSource source = EndpointSource.mutable(A);
    try (LoadBalancer lb = LoadBalancer.builder("orders").endpoints(source).build()) {
      source.set();
      source.set(C);

      try (Pick p = lb.pick()) {
        assertThat(p.endpoint()).isEqualTo(C);
      }
    }
  }

  @Test
  void mutable_emptyInitialList() {
    try (LoadBalancer lb = LoadBalancer.builder("orders").endpoints(EndpointSource.mutable())
        .build()) {
      assertThatThrownBy(lb::pick)
          .isInstanceOf(NoEndpointAvailableException.class)
          .hasMessage("no endpoints for orders: mutable list returned an empty list");
    }
  }

  @Test
  void set_updatesLoadBalancer() {
    MutableEndpointSource source = EndpointSource.mutable(A);
    try (LoadBalancer lb = LoadBalancer.builder("orders").endpoints(source)
        .strategy(Strategy.roundRobin()).build()) {
      source.set(B, C);

      assertThat(lb.endpoints()).containsExactly(B, C);
      for (int i = 0; i < 10; i++) {
        try (Pick p = lb.pick()) {
          assertThat(p.endpoint()).isIn(B, C);
        }
      }
    }
  }

  @Test
  void description_mutableList() {
    assertThat(EndpointSource.mutable(A).description()).isEqualTo("mutable list");
  }

  @Test
  void set_concurrentCallsDeliveredOneAtATimeInOneOrder() throws InterruptedException {
    MutableEndpointSource source = EndpointSource.mutable();
    AtomicBoolean inside = new AtomicBoolean();
    AtomicInteger overlaps = new AtomicInteger();
    List<List<Endpoint>> firstSeen = new ArrayList<>();
    List<List<Endpoint>> secondSeen = new ArrayList<>();
    source.start(guarded(inside, overlaps, firstSeen));
    source.start(guarded(inside, overlaps, secondSeen));
    int perThread = 2_000;
    Thread[] writers = new Thread[2];
    for (int t = 0; t < writers.length; t++) {
      int port = 1000 * (t + 1);
      writers[t] = new Thread(() -> {
        for (int i = 0; i < perThread; i++) {
          source.set(Endpoint.of("10.0.0.1", port + (i % 500) + 1));
        }
      }, "writer-" + t);
    }
    for (Thread w : writers) {
      w.start();
    }
    TestSupport.joinAll(Duration.ofSeconds(60), writers);

    assertThat(overlaps).hasValue(0);
    assertThat(firstSeen).hasSize(1 + 2 * perThread).isEqualTo(secondSeen);
    assertThat(source.endpoints()).isEqualTo(firstSeen.get(firstSeen.size() - 1));
  }

  /** A listener that notes any call overlapping another call to either listener. */
  private static EndpointSource.Listener guarded(
      AtomicBoolean inside, AtomicInteger overlaps, List<List<Endpoint>> seen) {
    return new EndpointSource.Listener() {
      @Override
      public void onEndpoints(List<Endpoint> endpoints) {
        if (!inside.compareAndSet(false, true)) {
          overlaps.incrementAndGet();
        }
        seen.add(endpoints);
        inside.set(false);
      }

      @Override
      public void onError(String description, Throwable cause) {}
    };
  }
}
