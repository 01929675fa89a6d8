package dev.lbclient.samples;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.EndpointStats;
import dev.lbclient.LoadBalancer;
import dev.lbclient.LoadBalancerListener;
import dev.lbclient.OutlierDetection;
import dev.lbclient.Strategy;
import dev.lbclient.okhttp.LoadBalancingInterceptor;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * The library at work in about a minute: five HTTP backends on loopback (two healthy, one slow,
 * one that fails for a while and recovers, one stopped halfway), a few thousand GETs through an
 * OkHttp client with the {@link LoadBalancingInterceptor}, first with round robin and then with
 * the default strategy. Prints a table per run and writes a latency chart.
 *
 * <p>Usage: {@code Demo [outputDirectory [requestsPerStrategy]]}.
 */
public final class Demo {
  private static final int WORKERS = 16;
  /** Requests per second the demo offers; paced so that a run lasts about ten seconds. */
  private static final int RATE = 300;

  private Demo() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    Path out = Paths.get(args.length > 0 ? args[0] : "target");
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 3_000;
    PrintStream o = System.out;
    o.println("lb-client demo: 5 backends on 127.0.0.1 - two healthy (5 ms), one slow (60 ms),");
    o.println("one failing with 503 from 20% to 45% of the run, one stopped at 50%.");
    o.printf("%,d GET requests per strategy at %d/s through OkHttp.%n", requests, RATE);
    o.println("(Ejections and open breakers last 2 s here instead of 30 s and 10 s, so that");
    o.println("recovery shows within the run.)");

    Map<String, Histogram> latencies = new LinkedHashMap<>();
    for (Strategy strategy : List.of(Strategy.roundRobin(), Strategy.powerOfTwoChoices())) {
      Run run = run(strategy, requests, true);
      run.print(o);
      latencies.put(strategy.name(), run.all);
    }
    Path chart = chart(latencies, out);
    o.println();
    o.println("Latency chart: " + chart.toAbsolutePath());
  }

  /** One run of one strategy over fresh backends. */
  static Run run(Strategy strategy, int requests, boolean progress) throws Exception {
    List<Backend> backends = List.of(
        Backend.start("healthy", 5, -1, -1, -1),
        Backend.start("healthy", 5, -1, -1, -1),
        Backend.start("slow", 60, -1, -1, -1),
        Backend.start("flaky", 5, 0.20, 0.45, -1),
        Backend.start("stopped", 5, -1, -1, 0.50));
    Map<String, AtomicInteger> ejections = new ConcurrentHashMap<>();
    LoadBalancer lb = LoadBalancer.builder("demo")
        .endpoints(EndpointSource.of(backends.stream().map(b -> b.endpoint)
            .toArray(Endpoint[]::new)))
        .strategy(strategy)
        .outlierDetection(OutlierDetection.builder()
            .baseEjectionTime(Duration.ofSeconds(2)).build())
        .circuitBreaker(CircuitBreakerConfig.from(
                LoadBalancer.Builder.defaultCircuitBreakerConfig())
            .waitDurationInOpenState(Duration.ofSeconds(2)).build())
        .listener(new LoadBalancerListener() {
          @Override
          public void onEjected(String service, Endpoint endpoint, Duration duration,
              String reason) {
            ejections.computeIfAbsent(endpoint.address(), a -> new AtomicInteger())
                .incrementAndGet();
          }
        })
        .build();
    OkHttpClient client = new OkHttpClient.Builder()
        .addInterceptor(LoadBalancingInterceptor.builder().service("demo", lb).build())
        .connectionPool(new ConnectionPool(32, 1, TimeUnit.MINUTES))
        .callTimeout(Duration.ofSeconds(5))
        .build();

    Run run = new Run(strategy.name(), backends, lb, ejections);
    AtomicInteger issued = new AtomicInteger();
    long t0 = System.nanoTime();
    long interval = 1_000_000_000L / RATE;
    ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
    List<Future<?>> futures = new ArrayList<>();
    for (int w = 0; w < WORKERS; w++) {
      futures.add(workers.submit(() -> {
        for (int i; (i = issued.getAndIncrement()) < requests; ) {
          long due = t0 + i * interval; // paced: request i starts at its slot, not earlier
          for (long wait; (wait = due - System.nanoTime()) > 0; ) {
            java.util.concurrent.locks.LockSupport.parkNanos(wait);
          }
          double done = (double) i / requests;
          for (Backend b : backends) {
            b.progress(done);
          }
          run.call(client);
        }
        return null;
      }));
    }
    workers.shutdown();
    int shown = -1;
    while (!workers.awaitTermination(100, TimeUnit.MILLISECONDS)) {
      int done = Math.min(issued.get(), requests);
      if (progress && (System.console() != null || done * 4 / requests != shown)) {
        shown = done * 4 / requests; // without a terminal, a line per quarter
        bar(System.out, strategy.name(), done, requests);
      }
    }
    for (Future<?> f : futures) {
      f.get(); // a worker's exception, if any, surfaces here
    }
    if (progress) {
      bar(System.out, strategy.name(), requests, requests);
      System.out.println();
    }
    run.snapshotStatus();
    lb.close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
    for (Backend b : backends) {
      b.stop();
    }
    return run;
  }

  private static void bar(PrintStream o, String name, int done, int total) {
    int width = 40;
    int filled = (int) ((long) done * width / total);
    o.print((System.console() != null ? "\r" : "\n") + String.format(Locale.ROOT, "%-20s [%s%s] %3d%% %,6d/%,d", name,
        "#".repeat(filled), ".".repeat(width - filled), done * 100 / total, done, total));
    o.flush();
  }

  /** Percentiles of each run, side by side, as a PNG. */
  static Path chart(Map<String, Histogram> latencies, Path dir) throws IOException {
    Files.createDirectories(dir);
    CategoryChart chart = new CategoryChartBuilder().width(800).height(500)
        .title("lb-client demo: caller latency by strategy (5 backends, one slow, two failing)")
        .xAxisTitle("percentile").yAxisTitle("latency (ms)").build();
    List<String> percentiles = List.of("p50", "p90", "p99", "p99.9");
    for (Map.Entry<String, Histogram> e : latencies.entrySet()) {
      Histogram h = e.getValue();
      chart.addSeries(e.getKey(), percentiles, List.of(
          h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(90) / 1000.0,
          h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0));
    }
    Path file = dir.resolve("lb-client-demo-latency.png");
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    return file;
  }

  /** What one run saw: per endpoint and in total. */
  static final class Run {
    final String strategy;
    final List<Backend> backends;
    final LoadBalancer lb;
    final Map<String, AtomicInteger> ejections;
    final Histogram all = new ConcurrentHistogram(3);
    final Map<String, Histogram> byEndpoint = new ConcurrentHashMap<>();
    final LongAdder callerFailures = new LongAdder();
    final Map<String, String> breakers = new LinkedHashMap<>();
    final Map<String, Long> endpointFailures = new LinkedHashMap<>();

    Run(String strategy, List<Backend> backends, LoadBalancer lb,
        Map<String, AtomicInteger> ejections) {
      this.strategy = strategy;
      this.backends = backends;
      this.lb = lb;
      this.ejections = ejections;
    }

    void call(OkHttpClient client) {
      long start = System.nanoTime();
      Request request = new Request.Builder().url("http://demo/work").build();
      try (Response response = client.newCall(request).execute()) {
        response.body().string();
        long micros = (System.nanoTime() - start) / 1_000;
        all.recordValue(micros);
        Endpoint served = LoadBalancingInterceptor.endpointOf(response);
        if (!response.isSuccessful() || served == null) {
          callerFailures.increment();
        } else {
          byEndpoint.computeIfAbsent(served.address(), a -> new ConcurrentHistogram(3))
              .recordValue(micros);
        }
      } catch (IOException | RuntimeException e) {
        all.recordValue((System.nanoTime() - start) / 1_000);
        callerFailures.increment();
      }
    }

    void snapshotStatus() {
      for (EndpointStats s : lb.stats()) {
        breakers.put(s.endpoint().address(), String.valueOf(s.breakerState()));
        endpointFailures.put(s.endpoint().address(), s.failures());
      }
    }

    long served(String address) {
      Histogram h = byEndpoint.get(address);
      return h == null ? 0 : h.getTotalCount();
    }

    void print(PrintStream o) {
      o.printf("%n%s%n", strategy);
      o.printf("%-17s %-8s %9s %7s %8s %8s %10s %9s%n", "endpoint", "role", "served", "errors",
          "p50 ms", "p99 ms", "ejections", "breaker");
      for (Backend b : backends) {
        String a = b.endpoint.address();
        Histogram h = byEndpoint.get(a);
        o.printf(Locale.ROOT, "%-17s %-8s %9d %7d %8s %8s %10d %9s%n", a, b.role, served(a),
            endpointFailures.getOrDefault(a, 0L), ms(h, 50), ms(h, 99),
            ejections.getOrDefault(a, new AtomicInteger()).get(), breakers.get(a));
      }
      o.printf(Locale.ROOT, "total: %,d calls, %d failed for the caller, p50 %s ms, p99 %s ms%n",
          all.getTotalCount(), callerFailures.sum(), ms(all, 50), ms(all, 99));
    }

    private static String ms(Histogram h, double percentile) {
      return h == null || h.getTotalCount() == 0 ? "-"
          : String.format(Locale.ROOT, "%.1f", h.getValueAtPercentile(percentile) / 1000.0);
    }
  }
}
