package dev.lbclient.server;

import static java.util.Objects.requireNonNull;

import dev.lbclient.LoadReport;
import dev.lbclient.Ticker;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Measures one server's load and states it as an ORCA {@link LoadReport}: the calls in flight
 * (named metric {@code in_flight}), requests and errors per second ({@code rps_fractional}, {@code
 * eps}) and mean latency ({@code latency_ms}) over the last whole window of at least one second,
 * the process's CPU utilization sampled once per window (the JDK's {@code
 * com.sun.management.OperatingSystemMXBean#getProcessCpuLoad}, 0 where it is not available), and,
 * if given, the application's own utilization.
 *
 * <p>Wrap each call in {@link #begin()} and {@link #end(long, boolean)} (the filters do), and send
 * {@link #headerValue()} in the response's {@value LoadReport#HEADER} header.
 *
 * <p>Thread-safe; {@code begin} and {@code end} take no lock (the window turns over under a
 * {@code tryLock} that no call waits for).
 */
public final class ServerLoadTracker {
  /** The shortest window rates and latency are measured over: one second. */
  static final long WINDOW_NANOS = 1_000_000_000L;

  private final Ticker ticker;
  private final DoubleSupplier cpu;
  private final @Nullable DoubleSupplier application;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final LongAdder calls = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final LongAdder latencyNanos = new LongAdder();
  private final ReentrantLock turning = new ReentrantLock();
  private volatile long windowStart;
  private volatile double rps;
  private volatile double eps;
  private volatile double latencyMillis;
  private volatile double cpuUtilization;

  private ServerLoadTracker(Builder b) {
    this.ticker = b.ticker != null ? b.ticker : Ticker.system();
    this.cpu = b.cpu != null ? b.cpu : ServerLoadTracker::processCpu;
    this.application = b.application;
    this.windowStart = ticker.read();
    this.cpuUtilization = sampleCpu();
  }

  /** A tracker on the system clock with the JDK's CPU reading. */
  public static ServerLoadTracker create() {
    return builder().build();
  }

  /** A builder, for a different clock, CPU reading or an application utilization. */
  public static Builder builder() {
    return new Builder();
  }

  /** Counts a call in; returns its start, to pass to {@link #end(long, boolean)}. */
  public long begin() {
    inFlight.incrementAndGet();
    return ticker.read();
  }

  /** Counts a call out; {@code error}: it failed (a 5xx, an exception). Call once per begin. */
  public void end(long startNanos, boolean error) {
    inFlight.decrementAndGet();
    long now = ticker.read();
    turn(now);
    calls.increment();
    latencyNanos.add(Math.max(0, now - startNanos));
    if (error) {
      errors.increment();
    }
  }

  /** The calls begun and not yet ended. */
  public int inFlight() {
    return inFlight.get();
  }

  /** The load as of now. */
  public LoadReport report() {
    turn(ticker.read());
    LoadReport.Builder b = LoadReport.builder().cpuUtilization(cpuUtilization).rpsFractional(rps)
        .eps(eps).inFlight(Math.max(0, inFlight.get())).namedMetric("latency_ms", latencyMillis);
    if (application != null) {
      double u = application.getAsDouble();
      b.applicationUtilization(u >= 0 && !Double.isInfinite(u) ? u : 0);
    }
    return b.build();
  }

  /** {@link #report()} as a {@value LoadReport#HEADER} value in the TEXT form. */
  public String headerValue() {
    return report().toHeaderValue();
  }

  /** Closes the window once it is a second old: its counts become the rates. */
  private void turn(long now) {
    if (now - windowStart < WINDOW_NANOS || !turning.tryLock()) {
      return;
    }
    try {
      long elapsed = now - windowStart;
      if (elapsed < WINDOW_NANOS) {
        return;
      }
      long c = calls.sumThenReset();
      long e = errors.sumThenReset();
      long l = latencyNanos.sumThenReset();
      double seconds = elapsed / 1e9;
      rps = c / seconds;
      eps = e / seconds;
      latencyMillis = c == 0 ? 0 : l / 1e6 / c;
      cpuUtilization = sampleCpu();
      windowStart = now;
    } finally {
      turning.unlock();
    }
  }

  private double sampleCpu() {
    double u = cpu.getAsDouble();
    return u >= 0 && !Double.isInfinite(u) ? u : 0;
  }

  private static double processCpu() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean
        ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuLoad()
        : 0;
  }

  /** Builds a {@link ServerLoadTracker}; each setting may be given once. Not thread-safe. */
  public static final class Builder {
    private @Nullable Ticker ticker;
    private @Nullable DoubleSupplier cpu;
    private @Nullable DoubleSupplier application;

    private Builder() {}

    /** The clock for latency and rates; default {@link Ticker#system()}. */
    public Builder ticker(Ticker ticker) {
      requireNonNull(ticker, "ticker");
      if (this.ticker != null) {
        throw new IllegalStateException("ticker was already set");
      }
      this.ticker = ticker;
      return this;
    }

    /**
     * The CPU utilization (a fraction, sampled once per window) instead of the process's; a
     * negative or non-finite reading counts as 0.
     */
    public Builder cpuUtilization(DoubleSupplier cpu) {
      requireNonNull(cpu, "cpu");
      if (this.cpu != null) {
        throw new IllegalStateException("cpuUtilization was already set");
      }
      this.cpu = cpu;
      return this;
    }

    /**
     * The application's own utilization, read for every report: what limits this server (a
     * worker pool's busy fraction, say). Clients weigh by it before CPU when it is above 0.
     */
    public Builder applicationUtilization(DoubleSupplier utilization) {
      requireNonNull(utilization, "utilization");
      if (this.application != null) {
        throw new IllegalStateException("applicationUtilization was already set");
      }
      this.application = utilization;
      return this;
    }

    /** The tracker; its first window starts now. */
    public ServerLoadTracker build() {
      return new ServerLoadTracker(this);
    }
  }
}
