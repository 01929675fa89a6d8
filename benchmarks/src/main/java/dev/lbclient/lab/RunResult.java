package dev.lbclient.lab;

import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What one run of one scenario with one contender measured. Latencies are per logical request
 * (retries included), from its scheduled arrival to its answer or its timeout, in microseconds.
 */
record RunResult(
    String scenario,
    String contender,
    long requests,
    long successes,
    long attempts,
    long retries,
    long noEndpoint,
    long ejections,
    long breakerOpenings,
    long panics,
    /** Pickers published by all the clients' load balancers (strategy rebuilds). */
    long pickersBuilt,
    Histogram latencyMicros,
    /** Attempts sent to each server slot per time bucket: [bucket][slot]. */
    long[][] load,
    long bucketNanos,
    long wallMillis,
    /** The clients' zones; empty when they have none. */
    List<String> zones,
    /** Attempts per time bucket and client zone: [bucket][zone]. */
    long[][] zoneAttempts,
    /** Of those, the attempts sent to a server in another zone: [bucket][zone]. */
    long[][] crossZone) {

  static final String CSV_HEADER = LatencyCsv.HEADER;

  double successRate() {
    return LatencyCsv.successRate(requests, successes);
  }

  double percentileMillis(double percentile) {
    return LatencyCsv.percentileMillis(latencyMicros, percentile);
  }

  String csvRow() {
    return LatencyCsv.row(scenario, contender, requests, successes, latencyMicros);
  }

  /** A line for the console: the CSV figures plus fault-handling counts and wall time. */
  String summary() {
    return String.format(Locale.ROOT,
        "%-20s %-40s req=%7d ok=%.4f p50=%8.2f p99=%8.2f p999=%8.2f max=%8.2f ms | attempts=%d"
            + " retries=%d noEndpoint=%d ejections=%d breakerOpens=%d panics=%d pickers=%d | %d ms",
        scenario, contender, requests, successRate(), percentileMillis(50),
        percentileMillis(99), percentileMillis(99.9), latencyMicros.getMaxValue() / 1000.0, attempts, retries, noEndpoint, ejections,
        breakerOpenings, panics, pickersBuilt, wallMillis)
        + (zones.isEmpty() ? "" : String.format(Locale.ROOT, " | crossZone=%.3f",
            crossZoneFraction(0, load.length, -1)));
  }

  /**
   * The share of attempts in buckets [from, to) that went to another zone than their client's,
   * for the clients of zone {@code zone} (an index into {@link #zones()}), or all when -1; NaN
   * when there were none.
   */
  double crossZoneFraction(int from, int to, int zone) {
    long all = 0;
    long cross = 0;
    for (int b = Math.max(0, from); b < Math.min(to, zoneAttempts.length); b++) {
      for (int z = 0; z < zones.size(); z++) {
        if (zone < 0 || z == zone) {
          all += zoneAttempts[b][z];
          cross += crossZone[b][z];
        }
      }
    }
    return all == 0 ? Double.NaN : (double) cross / all;
  }
}
