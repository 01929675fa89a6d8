package dev.lbclient.lab;

import dev.lbclient.LoadReport;

/**
 * What a simulated server reports about its own load, as a server running lb-client-server would:
 * over windows of {@link #WINDOW_NANOS}, the fraction of its workers' time spent busy (its
 * utilization), and the responses and errors per second. The report of the last whole window is
 * built once per window and handed out with every response until the next. Not thread-safe: one
 * simulation thread owns it.
 */
final class LoadMeter {
  /** Half a second: short enough to follow a change, long enough to average a few hundred calls. */
  static final long WINDOW_NANOS = 500_000_000L;

  private final int slots;
  private int busy;
  private long lastChange;
  private long busyNanos;
  private long windowStart;
  private long windowBusyStart;
  private long completed;
  private long failed;
  private LoadReport report = LoadReport.builder().build();

  LoadMeter(int slots) {
    this.slots = slots;
  }

  /** A worker starts ({@code +1}) or ends ({@code -1}) a call. */
  void busy(long now, int delta) {
    busyNanos += (long) busy * (now - lastChange);
    lastChange = now;
    busy += delta;
  }

  /** A response went out. */
  void completed(boolean error) {
    completed++;
    if (error) {
      failed++;
    }
  }

  /** The report of the last whole window. */
  LoadReport report(long now) {
    long elapsed = now - windowStart;
    if (elapsed >= WINDOW_NANOS) {
      busy(now, 0);
      double seconds = elapsed / 1e9;
      report = LoadReport.builder()
          .cpuUtilization((busyNanos - windowBusyStart) / (slots * (double) elapsed))
          .rpsFractional(completed / seconds)
          .eps(failed / seconds)
          .build();
      windowStart = now;
      windowBusyStart = busyNanos;
      completed = 0;
      failed = 0;
    }
    return report;
  }
}
