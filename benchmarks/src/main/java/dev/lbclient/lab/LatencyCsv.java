package dev.lbclient.lab;

import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The lab's CSV format, shared by the simulation ({@code lab-sim.csv}) and the real-socket run
 * ({@code lab-sockets.csv}): one row per scenario and strategy, percentiles in milliseconds from a
 * histogram in microseconds (the bucket's highest equivalent value).
 */
final class LatencyCsv {
  static final String HEADER = "scenario,strategy,requests,success_rate,p50_ms,p99_ms,p999_ms";

  private LatencyCsv() {}

  static double successRate(long requests, long successes) {
    return requests == 0 ? 0 : (double) successes / requests;
  }

  static double percentileMillis(Histogram latencyMicros, double percentile) {
    return latencyMicros.getValueAtPercentile(percentile) / 1000.0;
  }

  static String row(String scenario, String strategy, long requests, long successes,
      Histogram latencyMicros) {
    return String.format(Locale.ROOT, "%s,%s,%d,%.6f,%.3f,%.3f,%.3f", scenario, strategy,
        requests, successRate(requests, successes), percentileMillis(latencyMicros, 50),
        percentileMillis(latencyMicros, 99), percentileMillis(latencyMicros, 99.9));
  }
}
