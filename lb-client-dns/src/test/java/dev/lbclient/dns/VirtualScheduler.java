package dev.lbclient.dns;

import dev.lbclient.Ticker;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link DnsScheduler} on virtual time: tasks run on the test's thread, in due order, when the
 * test advances the clock. Also the {@link Ticker} the source reads.
 */
final class VirtualScheduler implements DnsScheduler, Ticker {
  private static final class Task {
    final long due;
    final long seq;
    final Runnable runnable;

    Task(long due, long seq, Runnable runnable) {
      this.due = due;
      this.seq = seq;
      this.runnable = runnable;
    }
  }

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final PriorityQueue<Task> queue = new PriorityQueue<>(
      (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private long seq;
  private boolean shutdown;
  private String threadName = "";

  /** As a factory for the builder: remembers the thread name it was asked for. */
  DnsScheduler create(String threadName) {
    this.threadName = threadName;
    this.shutdown = false;
    return this;
  }

  @Override
  public long read() {
    return now.get();
  }

  @Override
  public synchronized void schedule(Runnable task, long delayNanos) {
    if (!shutdown) {
      queue.add(new Task(now.get() + delayNanos, seq++, task));
    }
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
    queue.clear();
  }

  synchronized boolean isShutdown() {
    return shutdown;
  }

  String threadName() {
    return threadName;
  }

  synchronized int pending() {
    return queue.size();
  }

  /** Time until the next task is due. */
  synchronized Duration nextDelay() {
    Task next = queue.peek();
    if (next == null) {
      throw new AssertionError("nothing scheduled");
    }
    return Duration.ofNanos(next.due - now.get());
  }

  /** Moves the clock forward, running every task that falls due on the way (in order). */
  void advance(Duration d) {
    long target = now.get() + d.toNanos();
    while (true) {
      Task next;
      synchronized (this) {
        next = queue.peek();
        if (next == null || next.due > target) {
          break;
        }
        queue.poll();
        now.set(next.due);
      }
      next.runnable.run();
    }
    now.set(target);
  }

  /** Jumps to the next task and runs it; returns how far the clock moved. */
  Duration runNext() {
    Duration d = nextDelay();
    advance(d);
    return d;
  }
}
