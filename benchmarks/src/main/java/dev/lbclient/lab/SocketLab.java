package dev.lbclient.lab;

import dev.lbclient.EndpointSource;
import dev.lbclient.HedgingPolicy;
import dev.lbclient.LoadBalancer;
import dev.lbclient.Strategy;
import dev.lbclient.okhttp.LoadBalancingInterceptor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;

/**
 * The tail-latency lab's real-socket half: the same HTTP backends on 127.0.0.1 and the same
 * open-loop Poisson load against each target in turn: the library's OkHttp interceptor with
 * several strategies, HAProxy and NGINX as central balancers, and one backend called directly.
 * Writes {@code lab-sockets.csv} and {@code lab-sockets-cdf-<scenario>.png}.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.lbclient.lab.SocketLab [options]
 *   --smoke             slow-node only, 0.3 s warm-up + 1 s per target at a quarter of the rate,
 *                       every target whose tools exist; output to benchmarks/target/lab-sockets-smoke
 *   --out DIR           output directory (default benchmarks/results)
 *   --scenarios a,b     a subset of: slow-node, uniform, stall (uniform, but b0 stalls: it
 *                       accepts and answers nothing for min(10 s, duration / 2) from a quarter
 *                       of the measured time)
 *   --targets x,y       a subset of the targets (default: all; those whose binary is missing are
 *                       skipped with a message)
 *   --duration S        measured seconds per target (default 10)
 *   --warmup S          seconds of load before measuring, per target (default 2)
 *   --rate-scale F      multiplies every scenario's request rate (default 1; smoke 0.25)
 *   --seed N            seeds the arrivals and the service times (default 1)
 *   --no-charts         the CSV only
 * </pre>
 */
public final class SocketLab {
  static final String CSV = "lab-sockets.csv";
  static final String DIRECT = "direct";
  static final String ORACLE = "oracle.jsq";
  static final String DEFAULT = Contender.DEFAULT;
  static final String HAPROXY_LEASTCONN = "haproxy.leastconn";
  /** The clients' whole-call timeout; backends drop requests queued longer than this. */
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(1);
  static final String SERVICE = "backends";

  static final List<String> LBCLIENT_STRATEGIES = List.of(
      "powerOfTwoChoices", "roundRobin", "leastConnections", "leastTime");
  static final List<String> TARGETS = List.of(
      DIRECT,
      "lbclient.powerOfTwoChoices", "lbclient.roundRobin", "lbclient.leastConnections",
      "lbclient.leastTime", "lbclient.powerOfTwoChoices" + Contender.HEDGED,
      "lbclient.weightedByLoadReports",
      "haproxy.leastconn", "haproxy.roundrobin",
      "nginx.least_conn", "nginx.roundrobin", ORACLE);

  private SocketLab() {}

  /** A scenario: the pool's servers, the direct target's server and the request rate. */
  record Scenario(String name, String description, List<SocketBackends.Spec> pool,
      SocketBackends.Spec direct, double rps) {

    double capacity() {
      double c = 0;
      for (SocketBackends.Spec s : pool) {
        c += s.slots() * 1e9 / s.serviceTime().meanNanos();
      }
      return c;
    }
  }

  static final int SERVERS = 5;
  static final int SLOTS = 8;
  static final Duration MEDIAN = Duration.ofMillis(40);
  static final double SIGMA = 0.5;
  static final double UTILIZATION = 0.6;
  static final List<String> SCENARIOS = List.of("slow-node", "uniform", "stall");
  /** The stall scenario's stall, at most (shorter when half the measured time is shorter). */
  static final Duration STALL = Duration.ofSeconds(10);

  static Scenario scenario(String name, double rateScale) {
    ServiceTime fast = ServiceTime.lognormal(MEDIAN, SIGMA);
    List<SocketBackends.Spec> pool = new ArrayList<>();
    String description;
    switch (name) {
      case "slow-node":
        pool.add(new SocketBackends.Spec("b0-slow",
            ServiceTime.lognormal(MEDIAN.multipliedBy(10), SIGMA), SLOTS));
        for (int i = 1; i < SERVERS; i++) {
          pool.add(new SocketBackends.Spec("b" + i, fast, SLOTS));
        }
        description = SERVERS + " x " + SLOTS + " slots, lognormal median " + MEDIAN.toMillis()
            + " ms sigma " + SIGMA + "; b0 10x slower (median " + MEDIAN.toMillis() * 10 + " ms)";
        break;
      case "uniform":
      case "stall":
        for (int i = 0; i < SERVERS; i++) {
          pool.add(new SocketBackends.Spec("b" + i, fast, SLOTS));
        }
        description = SERVERS + " x " + SLOTS + " slots, lognormal median " + MEDIAN.toMillis()
            + " ms sigma " + SIGMA + (name.equals("stall") ? "; b0 stalls (accepts, never"
            + " answers) for min(" + STALL.toSeconds() + " s, duration / 2) from duration / 4"
            : "");
        break;
      default:
        throw new IllegalArgumentException(
            "scenario: " + name + " (expected one of " + SCENARIOS + ")");
    }
    // The direct target: one server as big as the pool, so it runs at the pool's utilization.
    SocketBackends.Spec direct = new SocketBackends.Spec("direct", fast, SERVERS * SLOTS);
    Scenario s = new Scenario(name, description, pool, direct, 0);
    return new Scenario(name, description, pool, direct,
        UTILIZATION * s.capacity() * rateScale);
  }

  /** One row of the CSV, with what the console shows besides. */
  record Row(String scenario, String target, OpenLoop.Result result, long[] served,
      long dropped) {
    String csv() {
      return LatencyCsv.row(scenario, target, result.requests(), result.successes(),
          result.latencyMicros());
    }

    String summary() {
      long total = Arrays.stream(served).sum();
      return String.format(Locale.ROOT,
          "%-10s %-28s req=%6d ok=%.4f p50=%8.2f p99=%8.2f p999=%8.2f ms | b0 share=%5.1f%%"
              + " served=%s dropped=%d late=%d unfinished=%d | %d ms",
          scenario, target, result.requests(),
          LatencyCsv.successRate(result.requests(), result.successes()),
          LatencyCsv.percentileMillis(result.latencyMicros(), 50),
          LatencyCsv.percentileMillis(result.latencyMicros(), 99),
          LatencyCsv.percentileMillis(result.latencyMicros(), 99.9),
          total == 0 ? 0.0 : 100.0 * served[0] / total, Arrays.toString(served), dropped,
          result.late(), result.unfinished(), result.wallMillis());
    }
  }

  public static void main(String[] args) throws Exception {
    try {
      run(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
    }
    // OkHttp's and the servers' threads are daemons, but leave no doubt.
    System.exit(0);
  }

  /** Runs the lab as {@link #main} would and returns the rows written, in CSV order. */
  static List<Row> run(String... args) throws IOException, InterruptedException {
    Options o = Options.parse(args);
    Charts.quietAndHeadless();
    PrintStream out = System.out;

    List<String> targets = new ArrayList<>();
    for (String t : o.targets) {
      String missing = missingTool(t);
      if (missing != null) {
        out.println("lab-sockets: skipping " + t + ": " + missing
            + " not found on PATH or in /usr/sbin (install with benchmarks/install-lab-tools.sh)");
      } else {
        targets.add(t);
      }
    }
    out.printf(Locale.ROOT, "lab-sockets: %d scenario(s) x %d target(s), %.1f s warm-up + %.1f s"
            + " measured each, seed %d, call timeout %d ms%n", o.scenarios.size(), targets.size(),
        o.warmupSeconds, o.durationSeconds, o.seed, CALL_TIMEOUT.toMillis());

    List<Row> rows = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    long start = System.nanoTime();
    for (String name : o.scenarios) {
      Scenario scenario = scenario(name, o.rateScale);
      out.printf(Locale.ROOT, "  %-10s %6.0f rps (%.0f%% of capacity %.0f rps): %s%n",
          scenario.name, scenario.rps, 100 * scenario.rps / scenario.capacity(),
          scenario.capacity(), scenario.description);
      List<SocketBackends.Spec> all = new ArrayList<>(scenario.pool);
      all.add(scenario.direct);
      try (SocketBackends backends = new SocketBackends(all, CALL_TIMEOUT.toNanos(),
          o.seed * 31 + SCENARIOS.indexOf(name))) {
        for (String target : targets) {
          try {
            Row row = runTarget(scenario, target, backends, o);
            out.println(row.summary());
            rows.add(row);
          } catch (IOException | RuntimeException e) {
            out.println("lab-sockets: FAILED " + name + " " + target + ": " + e.getMessage());
            failures.add(name + " " + target + ": " + e.getMessage());
          }
        }
      }
    }

    Files.createDirectories(o.out);
    Path csv = o.out.resolve(CSV);
    List<String> lines = new ArrayList<>();
    lines.add(LatencyCsv.HEADER);
    for (Row r : rows) {
      lines.add(r.csv());
    }
    Files.write(csv, lines, StandardCharsets.UTF_8);
    out.printf(Locale.ROOT, "wrote %s (%d rows) in %.1f s%n", csv, rows.size(),
        (System.nanoTime() - start) / 1e9);

    if (o.charts) {
      for (String name : o.scenarios) {
        List<Charts.Series> series = new ArrayList<>();
        for (Row r : rows) {
          if (r.scenario.equals(name)) {
            series.add(new Charts.Series(r.target, r.result.latencyMicros()));
          }
        }
        Path cdf = o.out.resolve("lab-sockets-cdf-" + name + ".png");
        Charts.latencyCdf(name + ": latency by percentile over real sockets on 127.0.0.1,"
            + " open-loop Poisson load", series, DEFAULT, HAPROXY_LEASTCONN, cdf);
        out.println("wrote " + cdf);
      }
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException(failures.size() + " target run(s) failed (their rows are"
          + " missing from the CSV):\n" + String.join("\n", failures));
    }
    return rows;
  }

  /** The binary a target needs and lacks, or null. */
  static @Nullable String missingTool(String target) {
    if (target.startsWith("haproxy.")) {
      return ProxyProcess.find("haproxy") == null ? "haproxy" : null;
    }
    if (target.startsWith("nginx.")) {
      return ProxyProcess.find("nginx") == null ? "nginx" : null;
    }
    return null;
  }

  private static Row runTarget(Scenario scenario, String target, SocketBackends backends,
      Options o) throws IOException, InterruptedException {
    List<SocketBackends.Backend> servers = backends.backends();
    List<String> pool = backends.addresses().subList(0, scenario.pool.size());
    SocketBackends.Backend direct = servers.get(servers.size() - 1);
    ExecutorService executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
        new SynchronousQueue<>(), daemonThreads("lab-okhttp-" + target));
    Dispatcher dispatcher = new Dispatcher(executor);
    dispatcher.setMaxRequests(4096);
    dispatcher.setMaxRequestsPerHost(4096);
    ConnectionPool connections = new ConnectionPool(256, 1, TimeUnit.MINUTES);
    OkHttpClient base = new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(connections)
        .callTimeout(CALL_TIMEOUT)
        .build();
    List<AutoCloseable> closers = new ArrayList<>();
    try {
      OkHttpClient client = base;
      HttpUrl url;
      if (target.equals(DIRECT)) {
        url = HttpUrl.get("http://127.0.0.1:" + direct.port() + "/work");
      } else if (target.equals(ORACLE)) {
        client = base.newBuilder()
            .addInterceptor(new JsqOracle(servers.subList(0, scenario.pool.size())))
            .build();
        url = HttpUrl.get("http://" + SERVICE + "/work");
      } else if (target.startsWith("lbclient.")) {
        boolean hedged = target.endsWith(Contender.HEDGED);
        LoadBalancer.Builder b = LoadBalancer.builder(SERVICE)
            .endpoints(EndpointSource.of(pool.toArray(new String[0])))
            .strategy(strategy(target.substring("lbclient.".length(),
                target.length() - (hedged ? Contender.HEDGED.length() : 0))));
        if (hedged) {
          b.hedging(HedgingPolicy.builder().delayPercentile(95).build());
        }
        LoadBalancer lb = b.build();
        closers.add(lb);
        client = base.newBuilder()
            .addInterceptor(LoadBalancingInterceptor.builder().service(SERVICE, lb).build())
            .build();
        url = HttpUrl.get("http://" + SERVICE + "/work");
      } else if (target.startsWith("haproxy.") || target.startsWith("nginx.")) {
        String tool = target.substring(0, target.indexOf('.'));
        String algorithm = target.substring(tool.length() + 1);
        Path binary = ProxyProcess.find(tool);
        if (binary == null) {
          throw new IllegalStateException(tool + " vanished");
        }
        ProxyProcess proxy = tool.equals("haproxy")
            ? ProxyProcess.haproxy(binary, algorithm, pool)
            : ProxyProcess.nginx(binary, algorithm, pool);
        closers.add(proxy);
        url = HttpUrl.get("http://127.0.0.1:" + proxy.port + "/work");
      } else {
        throw new IllegalArgumentException("target: " + target);
      }
      backends.resetCounters();
      Request request = new Request.Builder().url(url).build();
      long warmup = (long) (o.warmupSeconds * 1e9);
      long duration = (long) (o.durationSeconds * 1e9);
      long max = (long) Math.ceil(scenario.rps * (o.warmupSeconds + o.durationSeconds) * 2) + 100;
      if (scenario.name.equals("stall")) {
        servers.get(0).stall(warmup + duration / 4, Math.min(STALL.toNanos(), duration / 2));
      }
      OpenLoop.Result result = OpenLoop.run(client, request, scenario.rps, warmup, duration,
          o.seed * 7919 + SCENARIOS.indexOf(scenario.name), max,
          CALL_TIMEOUT.toMillis() + 2000);
      long[] served = new long[scenario.pool.size()];
      long dropped = 0;
      if (target.equals(DIRECT)) {
        served = new long[] {direct.served.get()};
        dropped = direct.dropped.get();
      } else {
        for (int i = 0; i < served.length; i++) {
          served[i] = servers.get(i).served.get();
          dropped += servers.get(i).dropped.get();
        }
      }
      long received = 0;
      for (SocketBackends.Backend s : servers) {
        received += s.received.get();
      }
      System.out.printf(Locale.ROOT, "%-10s %-28s max=%.2f ms | attempts per call %.4f%n",
          scenario.name, target, result.latencyMicros().getMaxValue() / 1000.0,
          (double) received / Math.max(1, result.sent()));
      return new Row(scenario.name, target, result, served, dropped);
    } finally {
      for (int i = closers.size() - 1; i >= 0; i--) {
        try {
          closers.get(i).close();
        } catch (Exception e) {
          System.err.println("lab-sockets: closing " + closers.get(i) + ": " + e);
        }
      }
      dispatcher.cancelAll();
      executor.shutdownNow();
      connections.evictAll();
      // Leave the backends empty for the next target: what is queued there drains or is dropped.
      backends.awaitIdle(CALL_TIMEOUT.toMillis() * 12);
    }
  }

  static Strategy strategy(String name) {
    switch (name) {
      case "powerOfTwoChoices":
        return Strategy.powerOfTwoChoices();
      case "roundRobin":
        return Strategy.roundRobin();
      case "leastConnections":
        return Strategy.leastConnections();
      case "leastTime":
        return Strategy.leastTime();
      case "random":
        return Strategy.random();
      case "weightedByLoadReports":
        return Strategy.weightedByLoadReports();
      default:
        throw new IllegalArgumentException("lbclient strategy: " + name);
    }
  }

  private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Parsed command line. */
  static final class Options {
    boolean smoke;
    @Nullable Path out;
    List<String> scenarios = SCENARIOS;
    List<String> targets = TARGETS;
    double durationSeconds = 10;
    double warmupSeconds = 2;
    double rateScale = 1;
    long seed = 1;
    boolean charts = true;

    static Options parse(String... args) {
      Options o = new Options();
      boolean scenariosGiven = false;
      Double duration = null;
      Double warmup = null;
      Double rateScale = null;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--smoke":
            o.smoke = true;
            break;
          case "--out":
            o.out = Path.of(LabArgs.value(args, ++i, a));
            break;
          case "--scenarios":
            o.scenarios = List.of(LabArgs.value(args, ++i, a).split(","));
            for (String s : o.scenarios) {
              if (!SCENARIOS.contains(s)) {
                throw new IllegalArgumentException(
                    "--scenarios: " + s + " (expected some of " + SCENARIOS + ")");
              }
            }
            scenariosGiven = true;
            break;
          case "--targets":
            o.targets = List.of(LabArgs.value(args, ++i, a).split(","));
            for (String t : o.targets) {
              if (!TARGETS.contains(t)) {
                throw new IllegalArgumentException(
                    "--targets: " + t + " (expected some of " + TARGETS + ")");
              }
            }
            break;
          case "--duration":
            duration = LabArgs.positive(a, LabArgs.value(args, ++i, a));
            break;
          case "--warmup":
            warmup = Double.parseDouble(LabArgs.value(args, ++i, a));
            if (!(warmup >= 0)) {
              throw new IllegalArgumentException("--warmup: " + warmup + " (expected: >= 0)");
            }
            break;
          case "--rate-scale":
            rateScale = LabArgs.positive(a, LabArgs.value(args, ++i, a));
            break;
          case "--seed":
            o.seed = Long.parseLong(LabArgs.value(args, ++i, a));
            break;
          case "--no-charts":
            o.charts = false;
            break;
          default:
            throw new IllegalArgumentException("unknown option: " + a + " (see the Javadoc of "
                + SocketLab.class.getName() + ")");
        }
      }
      if (o.smoke && !scenariosGiven) {
        o.scenarios = List.of("slow-node");
      }
      o.durationSeconds = duration != null ? duration : o.smoke ? 1.0 : 10.0;
      o.warmupSeconds = warmup != null ? warmup : o.smoke ? 0.3 : 2.0;
      o.rateScale = rateScale != null ? rateScale : o.smoke ? 0.25 : 1.0;
      if (o.durationSeconds > 120 || o.warmupSeconds > 60) {
        throw new IllegalArgumentException("--duration at most 120 s, --warmup at most 60 s");
      }
      if (o.out == null) {
        o.out = Path.of(o.smoke ? "benchmarks/target/lab-sockets-smoke" : "benchmarks/results");
      }
      return o;
    }
  }
}
