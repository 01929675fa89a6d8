package dev.lbclient.overhead;

import dev.lbclient.Strategy;
import dev.lbclient.lab.LabArgs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the integrations cost: the same loopback servers and the same closed-loop load through a
 * plain client and through this library, for OkHttp (plain vs {@code LoadBalancingInterceptor}
 * with a one-endpoint pool, one JDK HTTP server) and gRPC (a plain single-target channel, gRPC's
 * {@code round_robin} and {@code GrpcLoadBalancing.channelFor}, three Netty servers). Each row
 * is a fresh client: warm-up, then a fixed measured window with {@code --callers} threads each
 * making one blocking call after another; latency of the same calls from HdrHistogram. The rows
 * of a client run interleaved, in alternating order each repeat (A B C, C B A, A B C, ...), so
 * that machine noise falls on every side alike; the CSV holds the median of the repeats of each
 * figure. Before the repeats, one unrecorded pass over every target warms the JIT. Writes
 * {@code overhead.csv}: {@code client,target,requests_per_s,p50_us,p99_us}.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.lbclient.overhead.Overhead [options]
 *   --smoke          1 repeat, 0.3 s warm-up + 1 s per row; output to
 *                    benchmarks/target/overhead-smoke
 *   --out DIR        output directory (default benchmarks/results)
 *   --clients a,b    a subset of: okhttp, grpc
 *   --repeats N      repeats of every row (default 9)
 *   --duration S     measured seconds per row (default 3)
 *   --warmup S       seconds of load before measuring, per row (default 1)
 *   --callers N      concurrent calling threads (default 4)
 *   --strategy NAME  the load balancer's strategy (default powerOfTwoChoices, the library's default)
 * </pre>
 */
public final class Overhead {
  static final String CSV = "overhead.csv";
  static final String HEADER = "client,target,requests_per_s,p50_us,p99_us";
  static final String OKHTTP = "okhttp";
  static final String GRPC = "grpc";
  static final String PLAIN = "plain";
  static final String ROUND_ROBIN = "round_robin";
  static final String LBCLIENT = "lbclient";
  static final int GRPC_SERVERS = 3;

  static final Map<String, List<String>> TARGETS = new LinkedHashMap<>();

  static {
    TARGETS.put(OKHTTP, List.of(PLAIN, LBCLIENT));
    TARGETS.put(GRPC, List.of(PLAIN, ROUND_ROBIN, LBCLIENT));
  }

  private Overhead() {}

  /** One CSV row: medians over the repeats. */
  record Row(String client, String target, double requestsPerSecond, double p50Micros,
      double p99Micros) {
    String csv() {
      return String.format(Locale.ROOT, "%s,%s,%.0f,%.1f,%.1f", client, target,
          requestsPerSecond, p50Micros, p99Micros);
    }
  }

  public static void main(String[] args) throws Exception {
    run(args);
  }

  static List<Row> run(String... args) throws Exception {
    Options o = Options.parse(args);
    System.out.printf(Locale.ROOT,
        "overhead: %s, %d repeats x (%.1f s warm-up + %.1f s), %d callers, strategy %s%n",
        o.clients, o.repeats, o.warmupSeconds, o.durationSeconds, o.callers, o.strategy.name());
    List<Row> rows = new ArrayList<>();
    for (String client : o.clients) {
      rows.addAll(runClient(client, o));
    }
    Files.createDirectories(o.out);
    List<String> lines = new ArrayList<>();
    lines.add(HEADER);
    rows.forEach(r -> lines.add(r.csv()));
    Path csv = o.out.resolve(CSV);
    Files.write(csv, lines, StandardCharsets.UTF_8);
    System.out.println("medians -> " + csv);
    lines.forEach(System.out::println);
    return rows;
  }

  private static List<Row> runClient(String client, Options o) throws Exception {
    List<String> targets = TARGETS.get(client);
    Map<String, List<ClosedLoop.Result>> results = new LinkedHashMap<>();
    targets.forEach(t -> results.put(t, new ArrayList<>()));
    try (Sides sides = new Sides(client, o)) {
      // One unrecorded pass over every target first, so that the first measured row does not
      // pay for the JIT compiling the client's code paths.
      for (String target : targets) {
        try (Subject subject = sides.open(target)) {
          ClosedLoop.run(subject::call, o.callers, 0, (long) (o.warmupSeconds * 1e9));
        }
      }
      for (int r = 0; r < o.repeats; r++) {
        List<String> order = new ArrayList<>(targets);
        if (r % 2 == 1) {
          Collections.reverse(order);
        }
        for (String target : order) {
          ClosedLoop.Result result;
          try (Subject subject = sides.open(target)) {
            result = ClosedLoop.run(subject::call, o.callers,
                (long) (o.warmupSeconds * 1e9), (long) (o.durationSeconds * 1e9));
          }
          if (result.calls() == 0) {
            throw new IllegalStateException(client + "/" + target + ": no call succeeded");
          }
          results.get(target).add(result);
          System.out.printf(Locale.ROOT,
              "  repeat %d %-6s %-11s %9.0f req/s  p50 %8.1f us  p99 %8.1f us"
                  + "  cpu %6.1f us/call  failed %d%n",
              r + 1, client, target, result.callsPerSecond(), result.percentileMicros(50),
              result.percentileMicros(99), result.cpuMicrosPerCall(), result.failures());
        }
      }
    }
    // Paired view: the same repeat's rows ran next to each other, so their ratio cancels much
    // of the noise that moves both; printed only (the CSV holds the medians).
    String reference = targets.contains(ROUND_ROBIN) ? ROUND_ROBIN : PLAIN;
    List<ClosedLoop.Result> base = results.get(reference);
    List<ClosedLoop.Result> ours = results.get(LBCLIENT);
    double[] ratios = new double[o.repeats];
    double[] p50Added = new double[o.repeats];
    double[] cpuAdded = new double[o.repeats];
    for (int r = 0; r < o.repeats; r++) {
      ratios[r] = ours.get(r).callsPerSecond() / base.get(r).callsPerSecond();
      p50Added[r] = ours.get(r).percentileMicros(50) - base.get(r).percentileMicros(50);
      cpuAdded[r] = ours.get(r).cpuMicrosPerCall() - base.get(r).cpuMicrosPerCall();
    }
    System.out.printf(Locale.ROOT,
        "  %s, %s vs %s, medians of the %d paired repeats: throughput ratio %.3f (min %.3f,"
            + " max %.3f); p50 added %.1f us; CPU added %.1f us/call%n",
        client, LBCLIENT, reference, o.repeats, median(ratios),
        Arrays.stream(ratios).min().orElse(0), Arrays.stream(ratios).max().orElse(0),
        median(p50Added), median(cpuAdded));
    List<Row> rows = new ArrayList<>();
    for (String target : targets) {
      List<ClosedLoop.Result> rs = results.get(target);
      rows.add(new Row(client, target,
          median(rs.stream().mapToDouble(ClosedLoop.Result::callsPerSecond).toArray()),
          median(rs.stream().mapToDouble(x -> x.percentileMicros(50)).toArray()),
          median(rs.stream().mapToDouble(x -> x.percentileMicros(99)).toArray())));
    }
    return rows;
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  /** The servers of one client kind, started once for all its rows and repeats. */
  private static final class Sides implements AutoCloseable {
    private final @Nullable OkHttpSide okhttp;
    private final @Nullable GrpcSide grpc;

    Sides(String client, Options o) throws IOException {
      okhttp = client.equals(OKHTTP) ? new OkHttpSide(o.callers, o.strategy) : null;
      grpc = client.equals(GRPC) ? new GrpcSide(GRPC_SERVERS, o.strategy) : null;
    }

    Subject open(String target) {
      if (okhttp != null) {
        return okhttp.open(target);
      }
      return Objects.requireNonNull(grpc, "grpc").open(target);
    }

    @Override
    public void close() {
      if (okhttp != null) {
        okhttp.close();
      }
      if (grpc != null) {
        grpc.close();
      }
    }
  }

  static final class Options {
    Path out = Path.of("benchmarks/results");
    List<String> clients = List.copyOf(TARGETS.keySet());
    int repeats = 9;
    double durationSeconds = 3;
    double warmupSeconds = 1;
    int callers = 4;
    Strategy strategy = Strategy.powerOfTwoChoices();

    static Options parse(String... args) {
      Options o = new Options();
      boolean outGiven = false;
      boolean smoke = false;
      Integer repeats = null;
      Double duration = null;
      Double warmup = null;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--smoke":
            smoke = true;
            break;
          case "--out":
            o.out = Path.of(LabArgs.value(args, ++i, a));
            outGiven = true;
            break;
          case "--clients":
            o.clients = List.of(LabArgs.value(args, ++i, a).split(","));
            for (String c : o.clients) {
              if (!TARGETS.containsKey(c)) {
                throw new IllegalArgumentException(
                    "--clients: " + c + " (expected some of " + TARGETS.keySet() + ")");
              }
            }
            break;
          case "--repeats":
            repeats = (int) LabArgs.positive(a, LabArgs.value(args, ++i, a));
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
          case "--callers":
            o.callers = (int) LabArgs.positive(a, LabArgs.value(args, ++i, a));
            break;
          case "--strategy":
            o.strategy = Strategy.parse(LabArgs.value(args, ++i, a));
            break;
          default:
            throw new IllegalArgumentException("unknown option: " + a + " (see the Javadoc of "
                + Overhead.class.getName() + ")");
        }
      }
      o.repeats = repeats != null ? repeats : smoke ? 1 : o.repeats;
      o.durationSeconds = duration != null ? duration : smoke ? 1.0 : o.durationSeconds;
      o.warmupSeconds = warmup != null ? warmup : smoke ? 0.3 : o.warmupSeconds;
      if (o.durationSeconds > 120 || o.warmupSeconds > 60 || o.repeats > 50 || o.callers > 256) {
        throw new IllegalArgumentException(
            "--duration at most 120 s, --warmup at most 60 s, --repeats at most 50,"
                + " --callers at most 256");
      }
      if (smoke && !outGiven) {
        o.out = Path.of("benchmarks/target/overhead-smoke");
      }
      return o;
    }
  }
}
