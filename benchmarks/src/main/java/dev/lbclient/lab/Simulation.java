package dev.lbclient.lab;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The tail-latency lab's simulation: replays every scenario of {@link Scenarios} with every
 * contender of {@link Contender} on virtual time, and writes {@code lab-sim.csv} and PNG charts.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.lbclient.lab.Simulation [options]
 *   --smoke              every scenario for 2 s of virtual time, default strategy and round robin
 *                        only; output to benchmarks/target/lab-sim-smoke unless --out is given
 *   --scale F            multiply every scenario's moments by F (default 1: 60 s per scenario)
 *   --seed N             base seed (default 1); the same seed gives the same CSV
 *   --out DIR            output directory (default benchmarks/results)
 *   --scenarios a,b      a subset of: linkerd2016, linkerd2017, linkerd2017-retries, slow-node,
 *                        heterogeneous, deploy-churn, zone-outage, zone-outage-preferred,
 *                        zone-outage-unaware, load-ramp, uniform-cpu, stall,
 *                        noisy-neighbour
 *   --strategies x,y     a subset of the contenders, e.g. lbclient.roundRobin,oracle.jsq
 *   --threads N          runs in parallel (default: min(2, processors)); results do not depend on it
 *   --no-charts          the CSV only
 *   --help               these options
 * </pre>
 *
 * <p>Output: {@code lab-sim.csv} (one row per scenario and contender), {@code
 * lab-sim-cdf-<scenario>.png} (latency by percentile for every contender) and {@code
 * lab-sim-load-<scenario>-<strategy>.png} (requests per second to each server over time, for the
 * default strategy and round robin); for scenarios whose clients have zones, {@code
 * lab-sim-zones-<scenario>-<strategy>.png} (the share of attempts that crossed zones over time, per
 * client zone) and {@code lab-sim-zones.png} (that share for every such scenario, default
 * strategy), and the console prints the share in each phase of the scenario.
 */
public final class Simulation {
  static final String CSV = "lab-sim.csv";
  static final double SMOKE_SECONDS = 2.0;

  private Simulation() {}

  /** The options, as {@code --help} prints them. */
  static final String USAGE = String.join("\n",
      "java -cp benchmarks/target/benchmarks.jar dev.lbclient.lab.Simulation [options]",
      "  --smoke              every scenario for 2 s of virtual time, default strategy and round"
          + " robin only",
      "  --scale F            multiply every scenario's moments by F (default 1: 60 s each)",
      "  --seed N             base seed (default 1); the same seed gives the same CSV",
      "  --out DIR            output directory (default benchmarks/results; smoke:"
          + " benchmarks/target/lab-sim-smoke)",
      "  --scenarios a,b      a subset of: " + String.join(", ", Scenarios.NAMES),
      "  --strategies x,y     a subset of the contenders, e.g. lbclient.roundRobin,oracle.jsq",
      "  --threads N          runs in parallel (default: min(2, processors))",
      "  --no-charts          the CSV only",
      "  --help               these options");

  public static void main(String[] args) throws Exception {
    if (List.of(args).contains("--help")) {
      System.out.println(USAGE);
      return;
    }
    try {
      run(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
    }
  }

  /** Runs the simulation as {@link #main} would and returns the results, in CSV order. */
  static List<RunResult> run(String... args) throws IOException, InterruptedException {
    Options o = Options.parse(args);
    Charts.quietAndHeadless();
    PrintStream out = System.out;

    List<Scenario> scenarios = new ArrayList<>();
    for (String name : o.scenarios) {
      scenarios.add(Scenarios.byName(name, o.scale));
    }
    out.printf(Locale.ROOT, "lab-sim: %d scenarios x %d strategies, seed %d, time scale %s,"
            + " %d thread(s), %d clients per scenario%n", scenarios.size(), o.contenders.size(),
        o.seed, o.scale, o.threads, SimRun.CLIENTS);
    for (Scenario s : scenarios) {
      out.printf(Locale.ROOT, "  %-20s %5.1f s, %6.0f rps (%.0f%% of capacity %.0f rps): %s%n",
          s.name, s.durationNanos / 1e9, s.rps, 100 * s.rps / s.capacity(), s.capacity(),
          s.description);
    }

    List<RunResult> results = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(o.threads, r -> {
      Thread t = new Thread(r, "lab-sim");
      t.setDaemon(true);
      return t;
    });
    long start = System.nanoTime();
    try {
      List<Future<RunResult>> futures = new ArrayList<>();
      for (Scenario s : scenarios) {
        for (Contender c : o.contenders) {
          futures.add(pool.submit(() -> new SimRun(s, c, o.seed).run()));
        }
      }
      for (Future<RunResult> f : futures) {
        RunResult r = get(f);
        out.println(r.summary());
        results.add(r);
      }
    } finally {
      pool.shutdownNow();
    }

    Files.createDirectories(o.out);
    Path csv = o.out.resolve(CSV);
    List<String> lines = new ArrayList<>();
    lines.add(RunResult.CSV_HEADER);
    for (RunResult r : results) {
      lines.add(r.csvRow());
    }
    Files.write(csv, lines, StandardCharsets.UTF_8);
    out.printf(Locale.ROOT, "wrote %s (%d rows) in %.1f s%n", csv, results.size(),
        (System.nanoTime() - start) / 1e9);
    for (Scenario s : scenarios) {
      for (RunResult r : results) {
        if (r.scenario().equals(s.name) && !r.zones().isEmpty()) {
          out.println(crossZonePhases(s, r));
        }
      }
    }

    if (o.charts) {
      for (Scenario s : scenarios) {
        List<RunResult> mine = new ArrayList<>();
        for (RunResult r : results) {
          if (r.scenario().equals(s.name)) {
            mine.add(r);
          }
        }
        Path cdf = o.out.resolve("lab-sim-cdf-" + s.name + ".png");
        Charts.latencyCdf(s, mine, cdf);
        out.println("wrote " + cdf);
        for (RunResult r : mine) {
          if (r.contender().equals(Contender.DEFAULT)
              || r.contender().equals(Contender.ROUND_ROBIN)) {
            String strategy = r.contender().substring("lbclient.".length());
            Path load = o.out.resolve("lab-sim-load-" + s.name + "-" + strategy + ".png");
            Charts.serverLoad(s, r, load);
            out.println("wrote " + load);
            if (!r.zones().isEmpty()) {
              Path zones = o.out.resolve("lab-sim-zones-" + s.name + "-" + strategy + ".png");
              Charts.crossZone(s, r, zones);
              out.println("wrote " + zones);
            }
          }
        }
      }
      List<RunResult> zoned = new ArrayList<>();
      for (RunResult r : results) {
        if (!r.zones().isEmpty() && r.contender().equals(Contender.DEFAULT)) {
          zoned.add(r);
        }
      }
      if (!zoned.isEmpty()) {
        Path zones = o.out.resolve("lab-sim-zones.png");
        Charts.crossZoneCompared(zoned, zones);
        out.println("wrote " + zones);
      }
    }
    return results;
  }

  /**
   * The share of attempts that crossed zones in each phase of the scenario (between its
   * actions), overall and per client zone, e.g. {@code 15-25 s 7.9% (a 0.0%, b 26.1%, c 0.0%)}.
   */
  static String crossZonePhases(Scenario s, RunResult r) {
    List<Long> bounds = new ArrayList<>();
    bounds.add(0L);
    for (Scenario.Action a : s.actions) {
      if (a.atNanos() > bounds.get(bounds.size() - 1) && a.atNanos() < s.durationNanos) {
        bounds.add(a.atNanos());
      }
    }
    bounds.add(s.durationNanos);
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-22s %-40s cross-zone:",
        s.name, r.contender()));
    for (int i = 0; i + 1 < bounds.size(); i++) {
      int from = (int) (bounds.get(i) / r.bucketNanos());
      int to = (int) (bounds.get(i + 1) / r.bucketNanos());
      sb.append(String.format(Locale.ROOT, "%s %.0f-%.0f s %.1f%% (", i == 0 ? "" : ";",
          bounds.get(i) / 1e9, bounds.get(i + 1) / 1e9, 100 * r.crossZoneFraction(from, to, -1)));
      for (int z = 0; z < r.zones().size(); z++) {
        sb.append(z == 0 ? "" : ", ").append(r.zones().get(z)).append(String.format(Locale.ROOT,
            " %.1f%%", 100 * r.crossZoneFraction(from, to, z)));
      }
      sb.append(')');
    }
    return sb.toString();
  }

  private static RunResult get(Future<RunResult> f) throws InterruptedException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw new IllegalStateException(cause);
    }
  }

  /** Parsed command line. */
  static final class Options {
    boolean smoke;
    double scale = -1;
    long seed = 1;
    Path out;
    List<String> scenarios = Scenarios.NAMES;
    List<Contender> contenders = Contender.all();
    int threads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
    boolean charts = true;

    static Options parse(String... args) {
      Options o = new Options();
      List<String> strategies = null;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--smoke":
            o.smoke = true;
            break;
          case "--scale":
            o.scale = Double.parseDouble(LabArgs.value(args, ++i, a));
            if (!(o.scale > 0)) {
              throw new IllegalArgumentException("--scale: " + o.scale + " (expected: > 0)");
            }
            break;
          case "--seed":
            o.seed = Long.parseLong(LabArgs.value(args, ++i, a));
            break;
          case "--out":
            o.out = Path.of(LabArgs.value(args, ++i, a));
            break;
          case "--scenarios":
            o.scenarios = List.of(LabArgs.value(args, ++i, a).split(","));
            for (String s : o.scenarios) {
              if (!Scenarios.NAMES.contains(s)) {
                throw new IllegalArgumentException(
                    "--scenarios: " + s + " (expected some of " + Scenarios.NAMES + ")");
              }
            }
            break;
          case "--strategies":
            strategies = Arrays.asList(LabArgs.value(args, ++i, a).split(","));
            break;
          case "--threads":
            o.threads = Integer.parseInt(LabArgs.value(args, ++i, a));
            if (o.threads < 1) {
              throw new IllegalArgumentException("--threads: " + o.threads + " (expected: >= 1)");
            }
            break;
          case "--no-charts":
            o.charts = false;
            break;
          default:
            throw new IllegalArgumentException("unknown option: " + a + " (see the Javadoc of "
                + Simulation.class.getName() + ")");
        }
      }
      if (strategies != null) {
        List<Contender> chosen = new ArrayList<>();
        for (String s : strategies) {
          chosen.add(Contender.byName(s));
        }
        o.contenders = List.copyOf(chosen);
      } else if (o.smoke) {
        o.contenders = List.of(Contender.byName(Contender.DEFAULT),
            Contender.byName(Contender.ROUND_ROBIN));
      }
      if (o.scale < 0) {
        o.scale = o.smoke ? SMOKE_SECONDS / Scenarios.DEFAULT_DURATION.toSeconds() : 1.0;
      }
      if (o.out == null) {
        o.out = Path.of(o.smoke ? "benchmarks/target/lab-sim-smoke" : "benchmarks/results");
      }
      return o;
    }
  }
}
