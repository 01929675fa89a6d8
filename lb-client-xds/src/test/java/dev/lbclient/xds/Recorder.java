package dev.lbclient.xds;

import static org.assertj.core.api.Assertions.fail;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Records what a source delivers: every event in order, plus one queue of lists and one of errors
 * that a test waits on (20 s at most, then the test fails).
 */
final class Recorder implements EndpointSource.Listener {
  static final long WAIT_SECONDS = 20;

  final BlockingQueue<List<Endpoint>> lists = new LinkedBlockingQueue<>();
  final BlockingQueue<String> errors = new LinkedBlockingQueue<>();
  private final List<String> events = new ArrayList<>();
  private final List<String> threads = new ArrayList<>();

  @Override
  public synchronized void onEndpoints(List<Endpoint> endpoints) {
    events.add("endpoints " + endpoints);
    threads.add(Thread.currentThread().getName());
    lists.add(endpoints);
  }

  @Override
  public synchronized void onError(String description, @Nullable Throwable cause) {
    events.add("error " + description);
    threads.add(Thread.currentThread().getName());
    errors.add(description);
  }

  synchronized List<String> events() {
    return List.copyOf(events);
  }

  synchronized List<String> threads() {
    return List.copyOf(threads);
  }

  /** The next list delivered (errors in between are left in their queue). */
  List<Endpoint> nextList() throws InterruptedException {
    List<Endpoint> l = lists.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    if (l == null) {
      fail("no list within " + WAIT_SECONDS + " s; events: " + events());
    }
    return l;
  }

  /** The next error reported (lists in between are left in their queue). */
  String nextError() throws InterruptedException {
    String e = errors.poll(WAIT_SECONDS, TimeUnit.SECONDS);
    if (e == null) {
      fail("no error within " + WAIT_SECONDS + " s; events: " + events());
    }
    return e;
  }

  /** The addresses and parameters of a list, as {@link Endpoint#toString()} writes them. */
  static List<String> strings(List<Endpoint> endpoints) {
    List<String> out = new ArrayList<>();
    for (Endpoint e : endpoints) {
      out.add(e.toString());
    }
    return out;
  }
}
