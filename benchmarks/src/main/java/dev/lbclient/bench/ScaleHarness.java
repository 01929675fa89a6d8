package dev.lbclient.bench;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.LoadBalancerListener;
import dev.lbclient.MutableEndpointSource;
import dev.lbclient.Pick;
import dev.lbclient.RequestContext;
import dev.lbclient.Strategy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fleet-scale costs of one load balancer: how long a one-endpoint change takes, and how much heap
 * each endpoint costs, at 100, 1,000 and 10,000 endpoints, for every strategy; and whether 100 full
 * replacements of a 10,000-endpoint list leave anything behind.
 *
 * <p>A plain timed harness, not JMH: an update is a one-shot operation of milliseconds to seconds
 * whose first occurrence matters as much as its average, and the heap figure needs a quiet, GC'd
 * JVM holding exactly one load balancer. Each (strategy, size) runs in its own JVM (Serial GC,
 * fixed 3 GB heap, so that a full GC compacts and "used" is the live size), forked by this class:
 *
 * <ol>
 *   <li>The endpoint list is built, then the live heap measured: System.gc() until the used heap
 *       settles (two readings within 16 KB of each other), read through {@link MemoryMXBean}.
 *   <li>The load balancer is built over a {@link MutableEndpointSource} (default configuration:
 *       circuit breakers, outlier detection) and one pick made; the live heap is measured again.
 *       {@code bytes_per_endpoint} = the difference / n: what the load balancer adds to the
 *       application's own list (the {@link Endpoint} objects are not counted; the console shows
 *       their size too).
 *   <li>Updates: each replaces one endpoint of the list with a new address, then
 *       {@code update_ms} times {@code source.set(list)} plus the first pick after it (with a key
 *       or client address for the hash strategies). A GC runs before each, outside the timing.
 *       Warm-up updates first (an update's code runs once per change, so without them the JIT
 *       would be measured), then the measured ones: p50 and max of the wall time. The console
 *       also shows the p50 of the updating thread's CPU time, which other processes on a shared
 *       machine disturb less.
 * </ol>
 *
 * <p>The replacement check: the default strategy on a virtual ticker, 10,000 endpoints and a
 * listener, live heap measured; then 100 times a list of 10,000 new addresses (set, and one pick
 * that succeeds, so that a breaker exists); once the events are delivered, the
 * live heap again (the removed states are remembered for the grace period, at most 10,000); then
 * the ticker moves past the grace and the heap is measured a last time: it must be back at the
 * first figure.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.lbclient.bench.ScaleHarness [options]
 *   --sizes 100,1000,10000     endpoints
 *   --strategies a,b,...       Strategy.parse names (default: every strategy)
 *   --updates N                measured updates per row (default 41)
 *   --warmup N                 warm-up updates per row (default 20)
 *   --replacements N           full replacements in the check (default 100; 0 skips it)
 *   --replacement-size N       endpoints in the check (default 10000)
 *   --in-process               no forks: every row in this JVM (for tests)
 *   --out DIR                  where scale.csv goes (default benchmarks/results)
 * </pre>
 */
public final class ScaleHarness {
  static final String CSV = "scale.csv";
  static final String REPLACEMENT_CSV = "scale-replacements.csv";
  static final String HEADER = "strategy,endpoints,update_ms_p50,update_ms_max,bytes_per_endpoint";
  static final String REPLACEMENT_HEADER = "endpoints,replacements,baseline_bytes,"
      + "after_bytes_within_grace,after_bytes_past_grace,difference_past_grace_bytes";
  static final List<String> STRATEGIES = List.of("roundRobin", "weightedRoundRobin",
      "leastConnections", "leastTime", "powerOfTwoChoices", "powerOfTwoChoices.inFlight",
      "consistentHash", "consistentHash.boundedLoad(1.25)", "ipHash", "random");
  /** Serial GC: each System.gc() is a full compacting collection; a fixed heap; quiet logs. */
  static final List<String> CHILD_JVM_FLAGS = List.of("-XX:+UseSerialGC", "-Xms3g", "-Xmx3g",
      "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");

  private static final int PORT = 8080;

  private ScaleHarness() {}

  /** One row of the CSV. */
  record Row(String strategy, int endpoints, double p50Millis, double maxMillis,
      double bytesPerEndpoint, double endpointObjectBytes, double cpuP50Millis) {
    String csv() {
      return String.format(Locale.ROOT, "%s,%d,%.3f,%.3f,%.0f", strategy, endpoints, p50Millis,
          maxMillis, bytesPerEndpoint);
    }

    /** What a child JVM prints for its parent. */
    String wire() {
      return String.format(Locale.ROOT, "ROW %s %d %.6f %.6f %.3f %.3f %.6f", strategy, endpoints,
          p50Millis, maxMillis, bytesPerEndpoint, endpointObjectBytes, cpuP50Millis);
    }

    static Row parse(String line) {
      String[] f = line.split(" ");
      return new Row(f[1], Integer.parseInt(f[2]), Double.parseDouble(f[3]),
          Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]),
          Double.parseDouble(f[7]));
    }
  }

  /** The replacement check's figures. */
  record Replacement(int endpoints, int replacements, long baseline, long withinGrace,
      long pastGrace) {
    String csv() {
      return endpoints + "," + replacements + "," + baseline + "," + withinGrace + "," + pastGrace
          + "," + (pastGrace - baseline);
    }

    String wire() {
      return "REPLACEMENT " + endpoints + " " + replacements + " " + baseline + " " + withinGrace
          + " " + pastGrace;
    }

    static Replacement parse(String line) {
      String[] f = line.split(" ");
      return new Replacement(Integer.parseInt(f[1]), Integer.parseInt(f[2]),
          Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]));
    }
  }

  static final class Options {
    List<Integer> sizes = List.of(100, 1_000, 10_000);
    List<String> strategies = STRATEGIES;
    int updates = 41;
    int warmup = 20;
    int replacements = 100;
    int replacementSize = 10_000;
    boolean inProcess;
    Path out = Path.of("benchmarks", "results");

    static Options parse(String... args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--in-process")) {
          o.inProcess = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(a + ": missing value");
        }
        String v = args[++i];
        switch (a) {
          case "--sizes" -> o.sizes = Arrays.stream(v.split(",")).map(String::strip)
              .map(Integer::valueOf).toList();
          case "--strategies" -> o.strategies = Arrays.stream(v.split(",(?![^()]*\\))"))
              .map(String::strip).toList();
          case "--updates" -> o.updates = Integer.parseInt(v);
          case "--warmup" -> o.warmup = Integer.parseInt(v);
          case "--replacements" -> o.replacements = Integer.parseInt(v);
          case "--replacement-size" -> o.replacementSize = Integer.parseInt(v);
          case "--out" -> o.out = Path.of(v);
          default -> throw new IllegalArgumentException("unknown option: " + a + " (expected: "
              + "--sizes, --strategies, --updates, --warmup, --replacements, --replacement-size,"
              + " --in-process, --out)");
        }
      }
      if (o.updates < 1 || o.warmup < 0 || o.replacements < 0) {
        throw new IllegalArgumentException("--updates must be >= 1, --warmup and --replacements"
            + " >= 0");
      }
      return o;
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--child")) {
      child(args);
      return;
    }
    try {
      run(Options.parse(args));
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
    }
  }

  /** Runs every row and the replacement check, writes the CSVs; returns the rows in CSV order. */
  static List<Row> run(Options o) throws IOException, InterruptedException {
    long start = System.nanoTime();
    List<Row> rows = new ArrayList<>();
    System.out.printf(Locale.ROOT, "%-34s %7s %12s %12s %12s %10s %10s%n", "strategy", "n",
        "update p50", "update max", "cpu p50", "B/endpoint", "B/Endpoint");
    for (String strategy : o.strategies) {
      Strategy.parse(strategy); // fail early on a bad name
      for (int n : o.sizes) {
        Row row = o.inProcess
            ? measure(strategy, n, o.updates, o.warmup)
            : Row.parse(fork("row", strategy, Integer.toString(n), Integer.toString(o.updates),
                Integer.toString(o.warmup)));
        rows.add(row);
        System.out.printf(Locale.ROOT, "%-34s %7d %9.3f ms %9.3f ms %9.3f ms %10.0f %10.0f%n",
            row.strategy, row.endpoints, row.p50Millis, row.maxMillis, row.cpuP50Millis,
            row.bytesPerEndpoint, row.endpointObjectBytes);
      }
    }
    Files.createDirectories(o.out);
    List<String> lines = new ArrayList<>();
    lines.add(HEADER);
    rows.forEach(r -> lines.add(r.csv()));
    Files.write(o.out.resolve(CSV), lines, StandardCharsets.UTF_8);
    if (o.replacements > 0) {
      Replacement r = o.inProcess
          ? replacements(o.replacementSize, o.replacements)
          : Replacement.parse(fork("replacements", Integer.toString(o.replacementSize),
              Integer.toString(o.replacements)));
      System.out.printf(Locale.ROOT, "%n%d full replacements of a %d-endpoint list: live heap %s"
          + " before, %s within the grace period (removed states remembered), %s past it "
          + "(%+d bytes)%n", r.replacements, r.endpoints, mb(r.baseline), mb(r.withinGrace),
          mb(r.pastGrace), r.pastGrace - r.baseline);
      Files.write(o.out.resolve(REPLACEMENT_CSV), List.of(REPLACEMENT_HEADER, r.csv()),
          StandardCharsets.UTF_8);
    }
    System.out.printf(Locale.ROOT, "wrote %s (%d rows) in %.0f s%n", o.out.resolve(CSV),
        rows.size(), (System.nanoTime() - start) / 1e9);
    return rows;
  }

  private static String mb(long bytes) {
    return String.format(Locale.ROOT, "%.2f MB", bytes / 1e6);
  }

  /** Runs one measurement in a fresh JVM and returns the line it reports. */
  private static String fork(String... what) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(CHILD_JVM_FLAGS);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ScaleHarness.class.getName());
    command.add("--child");
    command.addAll(List.of(what));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String result = null;
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("ROW ") || line.startsWith("REPLACEMENT ")) {
          result = line;
        } else {
          System.out.println("  " + line);
        }
      }
    }
    int exit = p.waitFor();
    if (exit != 0 || result == null) {
      throw new IllegalStateException("child " + String.join(" ", what) + " failed (exit " + exit
          + ")");
    }
    return result;
  }

  private static void child(String[] args) {
    if (args[1].equals("row")) {
      System.out.println(measure(args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]),
          Integer.parseInt(args[5])).wire());
    } else {
      System.out.println(replacements(Integer.parseInt(args[2]), Integer.parseInt(args[3]))
          .wire());
    }
  }

  // ---------------------------------------------------------------- one row

  static Row measure(String strategyName, int n, int updates, int warmup) {
    Strategy strategy = Strategy.parse(strategyName);
    warmUp(strategyName);
    long empty = liveHeap();
    List<Endpoint> list = new ArrayList<>(endpoints(0, n));
    long withList = liveHeap();
    MutableEndpointSource source = EndpointSource.mutable(list.toArray(new Endpoint[0]));
    LoadBalancer lb = LoadBalancer.builder("scale").endpoints(source).strategy(strategy).build();
    lb.pick(context(strategyName, 0)).cancel();
    long withLb = liveHeap();

    double[] millis = new double[updates];
    double[] cpuMillis = new double[updates];
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int next = n; // addresses n, n+1, ... replace one endpoint each
    for (int u = -warmup; u < updates; u++) {
      int position = (int) Math.floorMod((long) (u + warmup) * 7_919L, n);
      list.set(position, endpoint(next++));
      List<Endpoint> copy = List.copyOf(list);
      RequestContext ctx = context(strategyName, u + warmup);
      System.gc();
      long c0 = threads.getCurrentThreadCpuTime();
      long t0 = System.nanoTime();
      source.set(copy);
      Pick pick = lb.pick(ctx);
      long t1 = System.nanoTime();
      long c1 = threads.getCurrentThreadCpuTime();
      pick.cancel();
      if (u >= 0) {
        millis[u] = (t1 - t0) / 1e6;
        cpuMillis[u] = (c1 - c0) / 1e6;
      }
    }
    lb.close();
    Reference.reachabilityFence(source);
    Arrays.sort(millis);
    Arrays.sort(cpuMillis);
    return new Row(strategyName, n, millis[(millis.length - 1) / 2], millis[millis.length - 1],
        (double) (withLb - withList) / n, (double) (withList - empty) / n,
        cpuMillis[(cpuMillis.length - 1) / 2]);
  }

  private static RequestContext context(String strategy, int i) {
    if (strategy.startsWith("consistentHash")) {
      return RequestContext.withKey("key-" + i);
    }
    if (strategy.equals("ipHash")) {
      return RequestContext.withClientAddress("192.168." + ((i >> 8) & 0xff) + "." + (i & 0xff));
    }
    return RequestContext.none();
  }

  // ---------------------------------------------------------------- replacement check

  static Replacement replacements(int n, int rounds) {
    AtomicLong now = new AtomicLong(1_000_000_000_000L);
    Duration grace = Duration.ofMinutes(5); // the default, stated for the ticker jump below
    MutableEndpointSource source = EndpointSource.mutable(endpoints(0, n).toArray(new Endpoint[0]));
    // A listener, so that the events (each with its lists of endpoints) are produced and delivered.
    AtomicLong delivered = new AtomicLong();
    LoadBalancer lb = LoadBalancer.builder("replacements")
        .endpoints(source)
        .ticker(now::get)
        .removedEndpointGrace(grace)
        .listener(new LoadBalancerListener() {
          @Override
          public void onEndpoints(String service, List<Endpoint> endpoints) {
            delivered.incrementAndGet();
          }
        })
        .build();
    callOnce(lb, now);
    awaitDelivered(delivered, 1);
    long baseline = liveHeap();
    for (int r = 1; r <= rounds; r++) {
      source.set(endpoints(r * n, n));
      now.addAndGet(1_000_000L);
      callOnce(lb, now);
    }
    awaitDelivered(delivered, 1 + rounds);
    long withinGrace = liveHeap();
    now.addAndGet(grace.toNanos() + 1_000_000_000L);
    source.set(source.endpoints()); // the same list again: nothing comes or goes
    callOnce(lb, now);
    long pastGrace = liveHeap();
    lb.close();
    Reference.reachabilityFence(source);
    return new Replacement(n, rounds, baseline, withinGrace, pastGrace);
  }

  /**
   * A first load balancer, closed at once, so that what any load balancer initializes once per JVM
   * (classes' constants, the shared timer's threads) is not counted against the measured one. In a
   * method of its own, so that no stack slot of the caller keeps it reachable; then a pause, so
   * that its last events drain on their thread.
   */
  private static void warmUp(String strategyName) {
    try (LoadBalancer first = LoadBalancer.builder("warm-up").endpoints(EndpointSource.of(
        endpoint(Integer.MAX_VALUE >>> 8))).strategy(Strategy.parse(strategyName)).build()) {
      first.pick(context(strategyName, 0)).success();
    }
    try {
      Thread.sleep(300);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Events are delivered on another thread: wait for them before measuring. */
  private static void awaitDelivered(AtomicLong delivered, long expected) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (delivered.get() < expected) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("events not delivered: " + delivered.get() + " of "
            + expected);
      }
      Thread.onSpinWait();
    }
  }

  private static void callOnce(LoadBalancer lb, AtomicLong now) {
    try (Pick p = lb.pick()) {
      now.addAndGet(1_000_000L);
      p.success();
    }
  }

  // ---------------------------------------------------------------- helpers

  static List<Endpoint> endpoints(int from, int count) {
    List<Endpoint> list = new ArrayList<>(count);
    for (int i = from; i < from + count; i++) {
      list.add(endpoint(i));
    }
    return list;
  }

  /** 10.0.0.0 upwards: distinct for the first 16 million indexes. */
  static Endpoint endpoint(int i) {
    return Endpoint.of("10." + ((i >>> 16) & 0xff) + "." + ((i >>> 8) & 0xff) + "." + (i & 0xff),
        PORT);
  }

  /**
   * The live heap: System.gc() (with a 20 ms pause after each, so that the reference-handler and
   * finalizer threads catch up) until three readings of the used heap in a row are within 16 KB
   * of each other, at most 30 collections; the last reading. With the Serial collector each
   * System.gc() is a full, compacting collection, so "used" is then the size of what is
   * reachable. (Two collections in a row are not enough: some garbage survives exactly two.)
   */
  static long liveHeap() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long[] last = {-1, -1, -1};
    for (int i = 0; i < 30; i++) {
      System.gc();
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      last[i % 3] = memory.getHeapMemoryUsage().getUsed();
      if (i >= 2) {
        long max = Math.max(last[0], Math.max(last[1], last[2]));
        long min = Math.min(last[0], Math.min(last[1], last[2]));
        if (max - min < 16 * 1024) {
          return last[i % 3];
        }
      }
    }
    return last[29 % 3];
  }

}
