package dev.lbclient.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/** Queues what a source delivers, for tests to take in order; fails on overlapping calls. */
final class QueueListener implements EndpointSource.Listener {
  private static final long TIMEOUT_SECONDS = 20;

  /** One delivery: a list, or an error. */
  static final class Event {
    final @Nullable List<Endpoint> endpoints;
    final @Nullable String error;
    final @Nullable Throwable cause;

    Event(@Nullable List<Endpoint> endpoints, @Nullable String error, @Nullable Throwable cause) {
      this.endpoints = endpoints;
      this.error = error;
      this.cause = cause;
    }

    @Override
    public String toString() {
      return endpoints != null ? "endpoints " + endpoints : "error " + error;
    }
  }

  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final AtomicBoolean inCall = new AtomicBoolean();
  volatile boolean overlapped;

  @Override
  public void onEndpoints(List<Endpoint> endpoints) {
    enter();
    events.add(new Event(endpoints, null, null));
    inCall.set(false);
  }

  @Override
  public void onError(String description, @Nullable Throwable cause) {
    enter();
    events.add(new Event(null, description, cause));
    inCall.set(false);
  }

  private void enter() {
    if (!inCall.compareAndSet(false, true)) {
      overlapped = true;
    }
  }

  /** The next delivery, failing the test if none comes in 20 s. */
  Event next() throws InterruptedException {
    Event e = events.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertThat(e).as("a delivery within %d s", TIMEOUT_SECONDS).isNotNull();
    assertThat(overlapped).as("overlapping listener calls").isFalse();
    return e;
  }

  /** The next delivery, which must be a list. */
  List<Endpoint> nextList() throws InterruptedException {
    Event e = next();
    assertThat(e.endpoints).as("next delivery: %s", e).isNotNull();
    return e.endpoints;
  }

  /** The next delivery, which must be an error. */
  String nextError() throws InterruptedException {
    Event e = next();
    assertThat(e.error).as("next delivery: %s", e).isNotNull();
    return e.error;
  }

  /** What was delivered and not taken yet. */
  List<Event> pending() {
    return List.copyOf(events);
  }
}
