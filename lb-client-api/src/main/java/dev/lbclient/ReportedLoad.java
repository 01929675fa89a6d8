package dev.lbclient;

import org.jspecify.annotations.Nullable;

/**
 * The last load report of one endpoint and when it came, plus what gRPC's A58 weights need: the
 * last report that yields a weight (requests per second and utilization both above 0) and the
 * start of the current unbroken run of such reports ({@code non_empty_since}), which the blackout
 * counts from. A run is broken when its last weight report expired before the next one came.
 * Immutable: a report replaces the endpoint's instance with one volatile write.
 */
final class ReportedLoad {
  /** Reports older than this are ignored (A58's weight expiration period): 3 minutes. */
  static final long EXPIRY_NANOS = 180_000_000_000L;

  final LoadReport report;
  final long atNanos;
  /** The last report with a weight, or null. */
  final @Nullable LoadReport weighted;
  final long weightedAtNanos;
  final long weightedSinceNanos;

  private ReportedLoad(LoadReport report, long atNanos, @Nullable LoadReport weighted,
      long weightedAtNanos, long weightedSinceNanos) {
    this.report = report;
    this.atNanos = atNanos;
    this.weighted = weighted;
    this.weightedAtNanos = weightedAtNanos;
    this.weightedSinceNanos = weightedSinceNanos;
  }

  /** What follows {@code previous} (null for the first report) when {@code report} arrives. */
  static ReportedLoad next(@Nullable ReportedLoad previous, LoadReport report, long now) {
    if (!(qps(report) > 0 && utilization(report) > 0)) {
      return previous == null
          ? new ReportedLoad(report, now, null, 0, 0)
          : new ReportedLoad(report, now, previous.weighted, previous.weightedAtNanos,
              previous.weightedSinceNanos);
    }
    boolean running = previous != null && previous.weighted != null
        && now - previous.weightedAtNanos < EXPIRY_NANOS;
    return new ReportedLoad(report, now, report, now,
        running ? previous.weightedSinceNanos : now);
  }

  /** The in-flight calls last reported in {@code r}, or -1 without a fresh report that has them. */
  static int inFlight(@Nullable ReportedLoad r, long now) {
    LoadReport fresh = r == null ? null : r.fresh(now);
    return fresh == null ? -1 : fresh.inFlight();
  }

  /** The latest report, or null once it is {@link #EXPIRY_NANOS} old. */
  @Nullable LoadReport fresh(long now) {
    return now - atNanos < EXPIRY_NANOS ? report : null;
  }

  /**
   * A58's weight at {@code now}: qps / (utilization + eps / qps x penalty), or 0 when there is no
   * weight report, it expired, or its run is younger than {@code blackoutNanos}.
   */
  double weight(long now, long blackoutNanos, double penalty) {
    LoadReport r = weighted;
    if (r == null || now - weightedAtNanos >= EXPIRY_NANOS
        || (blackoutNanos > 0 && now - weightedSinceNanos < blackoutNanos)) {
      return 0;
    }
    double qps = qps(r);
    double errors = r.eps() > 0 && penalty > 0 ? r.eps() / qps * penalty : 0;
    return qps / (utilization(r) + errors);
  }

  private static double qps(LoadReport r) {
    return r.rpsFractional();
  }

  /** Application utilization when above 0, else CPU utilization (as A58). */
  private static double utilization(LoadReport r) {
    return r.applicationUtilization() > 0 ? r.applicationUtilization() : r.cpuUtilization();
  }
}
