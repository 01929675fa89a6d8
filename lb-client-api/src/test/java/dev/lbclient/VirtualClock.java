package dev.lbclient;

import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Virtual time for tests: a ticker that only moves when told, a sleeper that moves it, and a
 * {@link Timer} whose tasks run on the test's thread, in due order, as the clock passes their time
 * ({@link Timer#execute} runs at once, so events are delivered before the call that caused them
 * returns).
 */
final class VirtualClock implements Ticker, Sleeper, Timer {
  private static final class Task {
    final long due;
    final long seq;
    final Runnable runnable;
    boolean cancelled;

    Task(long due, long seq, Runnable runnable) {
      this.due = due;
      this.seq = seq;
      this.runnable = runnable;
    }
  }

  private final AtomicLong nanos = new AtomicLong();
  private final PriorityQueue<Task> queue = new PriorityQueue<>(
      (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private long seq;

  @Override
  public long read() {
    return nanos.get();
  }

  @Override
  public void sleepNanos(long duration) {
    advanceNanos(duration);
  }

  @Override
  public synchronized Cancellable schedule(Runnable task, long delayNanos) {
    Task t = new Task(nanos.get() + Math.max(0, delayNanos), seq++, task);
    queue.add(t);
    notifyAll();
    return () -> {
      synchronized (this) {
        t.cancelled = true;
        queue.remove(t);
      }
    };
  }

  @Override
  public void execute(Runnable task) {
    task.run();
  }

  /** Timer tasks waiting, cancelled ones excluded. */
  synchronized int pending() {
    return queue.size();
  }

  /**
   * Waits (on this clock's monitor, woken by each {@link #schedule}) until at least {@code n} timer
   * tasks are pending, for another thread that schedules them; false after 10 s of real time.
   */
  synchronized boolean awaitPending(int n) throws InterruptedException {
    long end = System.nanoTime() + 10_000_000_000L;
    while (queue.size() < n) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000L));
    }
    return true;
  }

  void advance(Duration d) {
    advanceNanos(d.toNanos());
  }

  void advanceMillis(long millis) {
    advanceNanos(millis * 1_000_000L);
  }

  /** Sets the time to {@code millis} after the origin (forward only), running what falls due. */
  void setMillis(long millis) {
    long target = millis * 1_000_000L;
    advanceNanos(Math.max(0, target - nanos.get()));
    nanos.set(target);
  }

  /** Moves the clock forward, running every timer task that falls due on the way, in order. */
  private void advanceNanos(long d) {
    long target = nanos.get() + d;
    while (true) {
      Task next;
      synchronized (this) {
        next = queue.peek();
        if (next == null || next.due - target > 0) {
          break;
        }
        queue.poll();
        if (next.due - nanos.get() > 0) {
          nanos.set(next.due);
        }
      }
      if (!next.cancelled) {
        next.runnable.run();
      }
    }
    nanos.set(target);
  }
}
