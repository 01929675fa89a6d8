package dev.lbclient;

import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A load balancer's listeners and the events on their way to them.
 *
 * <p>Events are queued where the change happens (under the update lock, in the order the changes
 * were made) and delivered after the lock is released, one at a time and in that order, by a drain
 * task on the load balancer's {@link Timer} (by default an {@code lb-client-events-N} thread): never
 * under the lock and never on the thread of a pick, a completion or a source update, so a listener
 * may call {@code status()}, {@code pick()} or {@code close()}, and a slow one delays only later
 * events. Each event goes to the listeners registered when it was queued, so a listener added
 * later sees its replay of the current state and then only newer events. An exception a listener
 * throws is logged; the others still get the event. Nothing is allocated when nobody listens.
 */
final class EventQueue {
  private static final Logger log = LoggerFactory.getLogger(EventQueue.class);
  private static final LoadBalancerListener[] NONE = new LoadBalancerListener[0];
  /** The single pseudo-recipient of a task. */
  private static final LoadBalancerListener[] TASK = {new LoadBalancerListener() {}};

  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger wip = new AtomicInteger();
  private final Executor executor;
  private volatile LoadBalancerListener[] listeners = NONE;

  EventQueue(Executor executor) {
    this.executor = executor;
  }

  private static final class Pending {
    final String name;
    final Consumer<LoadBalancerListener> event;
    final LoadBalancerListener[] to;

    Pending(String name, Consumer<LoadBalancerListener> event, LoadBalancerListener[] to) {
      this.name = name;
      this.event = event;
      this.to = to;
    }
  }

  boolean hasListeners() {
    return listeners.length > 0;
  }

  /** Queues {@code event} for every current listener; call {@link #flush()} once unlocked. */
  void add(String name, Consumer<LoadBalancerListener> event) {
    LoadBalancerListener[] to = listeners;
    if (to.length > 0) {
      queue.add(new Pending(name, event, to));
    }
  }

  /** Queues {@code event} for one listener only (a replay of the state it joined). */
  void addFor(LoadBalancerListener listener, String name, Consumer<LoadBalancerListener> event) {
    queue.add(new Pending(name, event, new LoadBalancerListener[] {listener}));
  }

  /** Queues a task to run in order with the events (completing a future the user waits on). */
  void addTask(String name, Runnable task) {
    queue.add(new Pending(name, l -> task.run(), TASK));
  }

  /** Registers a listener for the events queued from now on. */
  synchronized void register(LoadBalancerListener listener) {
    LoadBalancerListener[] next = Arrays.copyOf(listeners, listeners.length + 1);
    next[listeners.length] = listener;
    listeners = next;
  }

  /** Removes one registration of {@code listener}; events already queued for it still arrive. */
  synchronized void unregister(LoadBalancerListener listener) {
    LoadBalancerListener[] current = listeners;
    for (int i = 0; i < current.length; i++) {
      if (current[i] == listener) {
        LoadBalancerListener[] next = new LoadBalancerListener[current.length - 1];
        System.arraycopy(current, 0, next, 0, i);
        System.arraycopy(current, i + 1, next, i, current.length - i - 1);
        listeners = next;
        return;
      }
    }
  }

  /** Starts delivering what is queued, unless a delivery is already running. */
  void flush() {
    if (!queue.isEmpty() && wip.getAndIncrement() == 0) {
      executor.execute(this::drain);
    }
  }

  private void drain() {
    int missed = 1;
    while (true) {
      Pending p;
      while ((p = queue.poll()) != null) {
        deliver(p);
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  private static void deliver(Pending p) {
    for (LoadBalancerListener l : p.to) {
      try {
        p.event.accept(l);
      } catch (RuntimeException e) {
        log.warn("LoadBalancerListener {} threw; ignored", p.name, e);
      }
    }
  }
}
