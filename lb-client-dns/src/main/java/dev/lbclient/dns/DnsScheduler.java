package dev.lbclient.dns;

import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Runs the refreshes of one started {@link DnsEndpointSource}: one task at a time, each after a
 * delay the source computed (TTL, backoff). The seam through which tests run refreshes on virtual
 * time; the default is {@link #shared()}.
 *
 * <p>Implementations must be thread-safe; {@link #schedule} must not block.
 */
interface DnsScheduler {

  /** Runs {@code task} once, {@code delayNanos} from now; ignored after {@link #shutdown()}. */
  void schedule(Runnable task, long delayNanos);

  /** Drops pending tasks and interrupts a refresh in progress. Idempotent; never blocks. */
  void shutdown();

  /**
   * The default: a view of two process-wide pools shared by every started DNS source: one daemon
   * timer thread, {@code lb-client-dns-timer}, that only hands due refreshes on, and daemon lookup
   * threads, {@code lb-client-dns-N}, that exist only while lookups run (ended after 30 s idle).
   * So a process with 50 DNS-backed load balancers runs one DNS thread when idle, not 50.
   */
  static DnsScheduler shared() {
    return new Shared();
  }

  /** A started source's share of the process-wide DNS pools; see {@link #shared()}. */
  final class Shared implements DnsScheduler {
    private static final ScheduledThreadPoolExecutor TIMER = timer();
    private static final ThreadPoolExecutor LOOKUPS = lookups();

    private @Nullable Future<?> pending;
    private @Nullable Future<?> running;
    private boolean shutdown;

    private static ScheduledThreadPoolExecutor timer() {
      ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
        Thread thread = new Thread(r, "lb-client-dns-timer");
        thread.setDaemon(true);
        return thread;
      });
      t.setRemoveOnCancelPolicy(true);
      return t;
    }

    private static ThreadPoolExecutor lookups() {
      AtomicInteger n = new AtomicInteger();
      return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
          new SynchronousQueue<>(), r -> {
            Thread thread = new Thread(r, "lb-client-dns-" + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
          });
    }

    @Override
    public synchronized void schedule(Runnable task, long delayNanos) {
      if (!shutdown) {
        pending = TIMER.schedule(() -> run(task), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
      }
    }

    private synchronized void run(Runnable task) {
      if (!shutdown) {
        running = LOOKUPS.submit(task);
      }
    }

    /** Whether a refresh is waiting for its time (for tests). */
    synchronized boolean hasPending() {
      return pending != null && !pending.isDone();
    }

    synchronized boolean isShutdown() {
      return shutdown;
    }

    /** Cancels the pending refresh and interrupts a lookup in progress; never waits. */
    @Override
    public synchronized void shutdown() {
      shutdown = true;
      if (pending != null) {
        pending.cancel(false);
      }
      if (running != null) {
        running.cancel(true);
      }
    }
  }
}
