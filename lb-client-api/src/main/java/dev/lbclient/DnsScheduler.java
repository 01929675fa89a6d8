package dev.lbclient;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Runs the refreshes of one started {@link DnsEndpointSource}: one task at a time, each after a
 * delay the source computed (TTL, backoff). The seam through which tests run refreshes on virtual
 * time; the default is one daemon thread.
 *
 * <p>Implementations must be thread-safe; {@link #schedule} must not block.
 */
interface DnsScheduler {

  /** Runs {@code task} once, {@code delayNanos} from now; ignored after {@link #shutdown()}. */
  void schedule(Runnable task, long delayNanos);

  /**
   * Drops pending tasks and stops the thread, interrupting a refresh in progress. Idempotent. May
   * wait briefly for the thread to end, but never when called from that thread.
   */
  void shutdown();

  /** The default: a single daemon thread of this name, started by the first scheduled task. */
  static DnsScheduler newThread(String threadName) {
    return new ThreadScheduler(threadName);
  }

  /** A {@link ScheduledThreadPoolExecutor} with one daemon thread. */
  final class ThreadScheduler implements DnsScheduler {
    /** How long {@link #shutdown()} waits for the thread; an interrupted refresh ends at once. */
    private static final Duration TERMINATION_WAIT = Duration.ofSeconds(1);

    private final ScheduledThreadPoolExecutor executor;
    private volatile @Nullable Thread thread;

    ThreadScheduler(String threadName) {
      executor = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, threadName);
        t.setDaemon(true);
        thread = t;
        return t;
      });
      executor.setRemoveOnCancelPolicy(true);
      executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public void schedule(Runnable task, long delayNanos) {
      try {
        executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException shutDown) {
        // Closed while a refresh was finishing: nothing more to run.
      }
    }

    @Override
    public void shutdown() {
      executor.shutdownNow();
      if (Thread.currentThread() != thread) {
        try {
          executor.awaitTermination(TERMINATION_WAIT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
