package dev.lbclient.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs {@link PickBenchmark} in one of three profiles and writes JMH's JSON, then the Markdown
 * table and the chart ({@link PickReport}).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.lbclient.bench.PickRunner [--smoke|--short|--full]
 *     [--out DIR]
 * </pre>
 *
 * <ul>
 *   <li>{@code --smoke}: seconds. {@code floor} and {@code lbclient.picker.roundRobin}, 10
 *       endpoints, one fork, no warmup, one 100 ms iteration. Checks the harness, not speed.
 *   <li>{@code --short} (default): under 10 minutes on 2 cores. Every implementation at 100
 *       endpoints with equal weights, 1 and 2 threads; the weight-aware ones again with distinct
 *       weights (1 thread). One fork, 2 x 0.5 s warmup, 3 x 1 s measurement.
 *   <li>{@code --full}: hours. Every implementation at 10, 100 and 1000 endpoints, 1 and 2
 *       threads; weight-aware ones also with distinct weights. Two forks, 3 x 1 s warmup, 5 x 1 s.
 * </ul>
 *
 * <p>Each group of runs is a separate JMH invocation (JMH takes one thread count per run); the
 * results are written together as one JSON array, exactly as {@code -rf json} writes it.
 */
public final class PickRunner {
  private PickRunner() {}

  record Group(List<String> impls, List<String> endpoints, List<String> weights, int threads) {}

  record Profile(String name, int forks, int warmupIterations, TimeValue warmupTime,
      int iterations, TimeValue time, boolean failOnError, List<Group> groups) {}

  static Profile profile(String name) {
    return switch (name) {
      case "smoke" -> new Profile("smoke", 1, 0, TimeValue.milliseconds(100), 1,
          TimeValue.milliseconds(100), true,
          List.of(new Group(List.of("floor", "lbclient.picker.roundRobin"), List.of("10"),
              List.of("equal"), 1)));
      case "short" -> new Profile("short", 1, 2, TimeValue.milliseconds(500), 3,
          TimeValue.seconds(1), false, List.of(
              new Group(Targets.all(), List.of("100"), List.of("equal"), 1),
              new Group(Targets.all(), List.of("100"), List.of("equal"), 2),
              new Group(Targets.WEIGHT_AWARE, List.of("100"), List.of("distinct"), 1)));
      case "full" -> new Profile("full", 2, 3, TimeValue.seconds(1), 5, TimeValue.seconds(1),
          false, List.of(
              new Group(Targets.all(), List.of("10", "100", "1000"), List.of("equal"), 1),
              new Group(Targets.all(), List.of("10", "100", "1000"), List.of("equal"), 2),
              new Group(Targets.WEIGHT_AWARE, List.of("10", "100", "1000"), List.of("distinct"), 1),
              new Group(Targets.WEIGHT_AWARE, List.of("10", "100", "1000"), List.of("distinct"),
                  2)));
      default -> throw new IllegalArgumentException(
          "profile: " + name + " (expected: smoke, short or full)");
    };
  }

  public static void main(String[] args) throws Exception {
    String profileName = "short";
    Path out = Paths.get("benchmarks", "results");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--smoke" -> profileName = "smoke";
        case "--short" -> profileName = "short";
        case "--full" -> profileName = "full";
        case "--out" -> out = Paths.get(args[++i]);
        default -> throw new IllegalArgumentException("argument: " + args[i]
            + " (expected: --smoke, --short, --full, --out DIR)");
      }
    }
    List<String> missing = run(profile(profileName), out);
    if (!missing.isEmpty()) {
      System.err.println("No result for: " + missing);
      System.exit(2);
    }
  }

  /**
   * Runs the profile and writes {@code jmh-picks.json}, {@code .md} and {@code .png} under {@code
   * out}. Returns the "impl @ endpoints/weights/threads" combinations that produced no result.
   */
  public static List<String> run(Profile profile, Path out) throws RunnerException, IOException {
    return run(profile, out, VerboseMode.NORMAL);
  }

  /** As {@link #run(Profile, Path)}, with JMH's console output at the given verbosity. */
  public static List<String> run(Profile profile, Path out, VerboseMode verbosity)
      throws RunnerException, IOException {
    Files.createDirectories(out);
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    List<RunResult> results = new ArrayList<>();
    Set<String> wanted = new LinkedHashSet<>();
    for (Group group : profile.groups()) {
      ChainedOptionsBuilder options = new OptionsBuilder()
          .include(PickBenchmark.class.getName() + ".pick$")
          .param("impl", group.impls().toArray(String[]::new))
          .param("endpoints", group.endpoints().toArray(String[]::new))
          .param("weights", group.weights().toArray(String[]::new))
          .threads(group.threads())
          .forks(profile.forks())
          .warmupIterations(profile.warmupIterations())
          .warmupTime(profile.warmupTime())
          .measurementIterations(profile.iterations())
          .measurementTime(profile.time())
          .addProfiler(GCProfiler.class)
          .shouldFailOnError(profile.failOnError())
          .verbosity(verbosity);
      Collection<RunResult> groupResults = new Runner(options.build()).run();
      results.addAll(groupResults);
      for (String impl : group.impls()) {
        for (String n : group.endpoints()) {
          for (String w : group.weights()) {
            wanted.add(key(impl, n, w, group.threads()));
          }
        }
      }
    }
    for (RunResult r : results) {
      var p = r.getParams();
      wanted.remove(key(p.getParam("impl"), p.getParam("endpoints"), p.getParam("weights"),
          p.getThreads()));
    }
    Path json = out.resolve("jmh-picks.json");
    try (PrintStream ps = new PrintStream(Files.newOutputStream(json), true,
        StandardCharsets.UTF_8)) {
      ResultFormatFactory.getInstance(ResultFormatType.JSON, ps).writeOut(results);
    }
    double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    String note = String.format(Locale.ROOT, "System load average (1 min) on %d CPUs: %.1f when"
        + " the run started, %.1f when it ended.%s",
        Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter,
        Math.max(loadBefore, loadAfter) > Runtime.getRuntime().availableProcessors()
            ? " Other work was competing for the CPUs: the figures are noisy." : "");
    PickReport.write(json, out.resolve("jmh-picks.md"), out.resolve("jmh-picks.png"),
        profile.name(), List.copyOf(wanted), note);
    System.out.println("Wrote " + json + ", jmh-picks.md and jmh-picks.png in " + out);
    return List.copyOf(wanted);
  }

  private static String key(String impl, String endpoints, String weights, int threads) {
    return impl + " @ " + endpoints + "/" + weights + "/" + threads + "t";
  }
}
