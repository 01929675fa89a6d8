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
 *                        heterogeneous, deploy-churn
 *   --strategies x,y     a subset of the contenders, e.g. lbclient.roundRobin,oracle.jsq
 *   --threads N          runs in parallel (default: min(2, processors)); results do not depend on it
 *   --no-charts          the CSV only
 * </pre>
 *
 * <p>Output: {@code lab-sim.csv} (one row per scenario and contender), {@code
 * lab-sim-cdf-<scenario>.png} (latency by percentile for every contender) and {@code
 * lab-sim-load-<scenario>-<strategy>.png} (requests per second to each server over time, for the
 * default strategy and round robin).
 */
public final class Simulation {
  static final String CSV = "lab-sim.csv";
  static final double SMOKE_SECONDS = 2.0;

  private Simulation() {}

  public static void main(String[] args) throws Exception {
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
          }
        }
      }
    }
    return results;
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
            o.scale = Double.parseDouble(value(args, ++i, a));
            if (!(o.scale > 0)) {
              throw new IllegalArgumentException("--scale: " + o.scale + " (expected: > 0)");
            }
            break;
          case "--seed":
            o.seed = Long.parseLong(value(args, ++i, a));
            break;
          case "--out":
            o.out = Path.of(value(args, ++i, a));
            break;
          case "--scenarios":
            o.scenarios = List.of(value(args, ++i, a).split(","));
            for (String s : o.scenarios) {
              if (!Scenarios.NAMES.contains(s)) {
                throw new IllegalArgumentException(
                    "--scenarios: " + s + " (expected some of " + Scenarios.NAMES + ")");
              }
            }
            break;
          case "--strategies":
            strategies = Arrays.asList(value(args, ++i, a).split(","));
            break;
          case "--threads":
            o.threads = Integer.parseInt(value(args, ++i, a));
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

    private static String value(String[] args, int i, String option) {
      if (i >= args.length) {
        throw new IllegalArgumentException(option + ": a value is required");
      }
      return args[i];
    }
  }
}
