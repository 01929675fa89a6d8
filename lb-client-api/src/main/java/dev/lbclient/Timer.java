package dev.lbclient;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Where a load balancer runs its timed changes (an ejection ending, a breaker's wait ending, a
 * slow-start step, a health-check round) and delivers its events. The seam through which tests run
 * on virtual time; the default is {@link #shared()}.
 *
 * <p>Implementations must be thread-safe; neither method may block or run the task inline.
 */
interface Timer {

  /** Runs {@code task} once, about {@code delayNanos} from now; the handle cancels it. */
  Cancellable schedule(Runnable task, long delayNanos);

  /** Runs {@code task} soon, on another thread. */
  void execute(Runnable task);

  /** A scheduled task that may still be cancelled. */
  @FunctionalInterface
  interface Cancellable {
    Cancellable NONE = () -> {};

    void cancel();
  }

  /**
   * The process-wide default: one daemon thread, {@code lb-client-timer}, for the timers of every
   * load balancer (each timer task only takes a lock and publishes a snapshot), and daemon threads
   * {@code lb-client-events-N} for events and health-check rounds, created on demand and ended
   * after 30 s idle.
   */
  static Timer shared() {
    return Shared.INSTANCE;
  }

  /** Timers and events on the application's own executor. */
  static Timer of(ScheduledExecutorService executor) {
    return new OnExecutor(executor, executor);
  }

  /** A {@link ScheduledExecutorService}-backed timer. */
  final class OnExecutor implements Timer {
    private final ScheduledExecutorService timers;
    private final Executor work;

    OnExecutor(ScheduledExecutorService timers, Executor work) {
      this.timers = timers;
      this.work = work;
    }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
      try {
        ScheduledFuture<?> f = timers.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
      } catch (RejectedExecutionException shutDown) {
        return Cancellable.NONE;
      }
    }

    @Override
    public void execute(Runnable task) {
      work.execute(task);
    }
  }

  /** Holder of the lazily created shared default. */
  final class Shared {
    static final Timer INSTANCE = create();

    private Shared() {}

    private static Timer create() {
      ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1,
          daemon("lb-client-timer", null));
      timers.setRemoveOnCancelPolicy(true);
      ThreadPoolExecutor work = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
          new SynchronousQueue<>(), daemon("lb-client-events-", new AtomicInteger()));
      return new OnExecutor(timers, work);
    }

    private static ThreadFactory daemon(String name, @Nullable AtomicInteger counter) {
      return r -> {
        Thread t = new Thread(r, counter == null ? name : name + counter.incrementAndGet());
        t.setDaemon(true);
        return t;
      };
    }
  }
}
