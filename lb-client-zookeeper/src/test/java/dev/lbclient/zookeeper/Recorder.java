package dev.lbclient.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Records what a source delivers, in order, and lets a test wait for the next delivery (a list or
 * an error message) with a generous timeout. Notes any overlapping calls.
 */
final class Recorder implements EndpointSource.Listener {
  static final long TIMEOUT_SECONDS = 20;

  final List<List<Endpoint>> lists = new CopyOnWriteArrayList<>();
  final List<String> errors = new CopyOnWriteArrayList<>();
  private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
  private final AtomicBoolean inCall = new AtomicBoolean();
  private volatile boolean overlapped;

  @Override
  public void onEndpoints(List<Endpoint> endpoints) {
    enter();
    lists.add(endpoints);
    events.add(endpoints);
    inCall.set(false);
  }

  @Override
  public void onError(String description, @Nullable Throwable cause) {
    enter();
    errors.add(description);
    events.add(description);
    inCall.set(false);
  }

  private void enter() {
    if (!inCall.compareAndSet(false, true)) {
      overlapped = true;
    }
  }

  /** The next delivery, whatever it is; fails the test if none comes in time. */
  Object next() {
    try {
      Object e = events.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (e == null) {
        fail("no delivery within " + TIMEOUT_SECONDS + " s; so far: lists " + lists
            + ", errors " + errors);
      }
      return e;
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new AssertionError(ex);
    }
  }

  /** The next delivery, which must be a list; returned as {@code host:port;weight=..} strings. */
  List<String> nextList() {
    Object e = next();
    assertThat(e).as("next delivery").isInstanceOf(List.class);
    @SuppressWarnings("unchecked")
    List<Endpoint> list = (List<Endpoint>) e;
    return strings(list);
  }

  /**
   * The next list, after any number of deliveries of the given errors (for a change made in
   * steps, such as a registration that creates the service znode before the instance).
   */
  List<String> nextListAfterAny(String... errors) {
    while (true) {
      Object e = next();
      if (e instanceof List) {
        @SuppressWarnings("unchecked")
        List<Endpoint> list = (List<Endpoint>) e;
        return strings(list);
      }
      assertThat(e).as("delivery before the list").isIn((Object[]) errors);
    }
  }

  /** The next delivery, which must be an error. */
  String nextError() {
    Object e = next();
    assertThat(e).as("next delivery").isInstanceOf(String.class);
    return (String) e;
  }

  /** Deliveries already made and not yet taken by next(). */
  int queued() {
    return events.size();
  }

  boolean overlapped() {
    return overlapped;
  }

  static List<String> strings(List<Endpoint> list) {
    List<String> out = new ArrayList<>(list.size());
    for (Endpoint e : list) {
      out.add(e.toString());
    }
    return out;
  }
}
