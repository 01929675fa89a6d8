package dev.lbclient.overhead;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * Closed-loop load: a fixed number of caller threads, each sending its next call as soon as the
 * previous one returns, for a warm-up and then a measured window. Throughput is the calls that
 * both started and completed inside the window, divided by the window; latency is each of those
 * calls' time from send to return, in a per-thread HdrHistogram merged at the end.
 *
 * <p>Closed-loop load measures what the client costs at saturation; its latency is that of calls
 * under this fixed concurrency (it has coordinated omission by construction, which is harmless
 * here because both sides of each comparison run the same loop).
 */
final class ClosedLoop {
  /** One blocking call; throws on any failure. */
  interface Call {
    void run() throws Exception;
  }

  /** What one run measured. */
  record Result(long calls, long failures, double seconds, Histogram latencyNanos,
      long cpuNanos) {
    double callsPerSecond() {
      return calls / seconds;
    }

    /**
     * The whole process's CPU time over the measured window per call (clients and servers: the
     * same servers on every row). Less moved by other processes than throughput is, since time
     * stolen by them is not counted; -1 when the JVM does not report it.
     */
    double cpuMicrosPerCall() {
      return cpuNanos < 0 || calls == 0 ? -1 : cpuNanos / 1000.0 / calls;
    }

    double percentileMicros(double percentile) {
      return latencyNanos.getValueAtPercentile(percentile) / 1000.0;
    }
  }

  private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(30);

  private ClosedLoop() {}

  static Result run(Call call, int callers, long warmupNanos, long durationNanos)
      throws InterruptedException {
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    long measureFrom = start + warmupNanos;
    long measureTo = measureFrom + durationNanos;
    List<Histogram> histograms = new ArrayList<>();
    long[] failures = new long[callers];
    AtomicReference<@Nullable Throwable> firstFailure = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(callers);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      Histogram h = new Histogram(HIGHEST_NANOS, 3);
      histograms.add(h);
      int id = i;
      Thread t = new Thread(() -> {
        try {
          while (System.nanoTime() < start) {
            Thread.onSpinWait();
          }
          long now = System.nanoTime();
          while (now < measureTo) {
            long sent = now;
            boolean ok = true;
            try {
              call.run();
            } catch (Exception e) {
              ok = false;
              firstFailure.compareAndSet(null, e);
            }
            now = System.nanoTime();
            if (sent >= measureFrom && now <= measureTo) {
              if (ok) {
                h.recordValue(Math.min(now - sent, HIGHEST_NANOS));
              } else {
                failures[id]++;
              }
            }
          }
        } finally {
          done.countDown();
        }
      }, "overhead-caller-" + i);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    sleepUntil(measureFrom);
    long cpuFrom = processCpuNanos();
    sleepUntil(measureTo);
    long cpuTo = processCpuNanos();
    long limitMillis = TimeUnit.NANOSECONDS.toMillis(measureTo - System.nanoTime()) + 30_000;
    if (!done.await(limitMillis, TimeUnit.MILLISECONDS)) {
      threads.forEach(Thread::interrupt);
      throw new IllegalStateException("callers still busy 30 s after the measured window");
    }
    Histogram all = new Histogram(HIGHEST_NANOS, 3);
    histograms.forEach(all::add);
    long failed = 0;
    for (long f : failures) {
      failed += f;
    }
    Throwable first = firstFailure.get();
    if (first != null) {
      System.err.println("first failed call: " + first);
    }
    long cpu = cpuFrom < 0 || cpuTo < 0 ? -1 : cpuTo - cpuFrom;
    return new Result(all.getTotalCount(), failed, durationNanos / 1e9, all, cpu);
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }

  private static long processCpuNanos() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return -1;
  }
}
