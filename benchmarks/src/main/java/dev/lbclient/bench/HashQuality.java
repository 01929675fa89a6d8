package dev.lbclient.bench;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.MaglevProbe;
import dev.lbclient.Pick;
import dev.lbclient.RequestContext;
import dev.lbclient.Strategy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * How good our consistent hashing is, beside Guava's {@code Hashing.consistentHash} (jump-style
 * consistent hash, no table) as a reference. Not a JMH benchmark: balance and movement are counts,
 * and build time is a one-shot cost timed directly (median of repeated builds after warmup).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.lbclient.bench.HashQuality [out.md]
 * </pre>
 */
public final class HashQuality {
  private HashQuality() {}

  private static final HashFunction MURMUR = Hashing.murmur3_128();

  public static void main(String[] args) throws IOException {
    Path out = Paths.get(args.length > 0 ? args[0] : "benchmarks/results/hash-quality.md");
    String report = report();
    System.out.print(report);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, report, StandardCharsets.UTF_8);
  }

  static String report() {
    StringBuilder md = new StringBuilder("# Consistent hashing quality\n\n");
    md.append("Our `consistentHash()` (Maglev table) beside Guava's `Hashing.consistentHash` (keys")
        .append(" hashed with murmur3_128). Deterministic: the same keys and pools every run.\n\n");
    balance(md);
    movement(md);
    buildTime(md);
    boundedLoad(md);
    return md.toString();
  }

  // ---- balance -------------------------------------------------------------------------------

  private static void balance(StringBuilder md) {
    md.append("## Balance at 1000 endpoints\n\n");
    md.append("| what | max / mean | min / mean |\n|---|---:|---:|\n");
    MaglevProbe.Table table = MaglevProbe.table(Workload.of(1000, "equal"));
    double meanSlots = (double) table.size() / table.slots().length;
    md.append(row("Maglev slots per endpoint (table " + table.size() + ")",
        Arrays.stream(table.slots()).max().getAsInt() / meanSlots,
        Arrays.stream(table.slots()).min().getAsInt() / meanSlots));

    int keys = 1_000_000;
    List<Endpoint> pool = MaglevProbe.endpoints(Workload.of(1000, "equal"));
    MaglevProbe.Owners maglev = MaglevProbe.owners(pool);
    Map<String, Integer> maglevCounts = new HashMap<>();
    int[] guavaCounts = new int[pool.size()];
    for (int k = 0; k < keys; k++) {
      String key = "key-" + k;
      maglevCounts.merge(maglev.owner(key), 1, Integer::sum);
      guavaCounts[guava(key, pool.size())]++;
    }
    double meanKeys = (double) keys / pool.size();
    md.append(row("Maglev keys per endpoint (1M keys)",
        maglevCounts.values().stream().mapToInt(Integer::intValue).max().getAsInt() / meanKeys,
        (maglevCounts.size() < pool.size() ? 0
            : maglevCounts.values().stream().mapToInt(Integer::intValue).min().getAsInt())
            / meanKeys));
    md.append(row("Guava keys per bucket (1M keys)",
        Arrays.stream(guavaCounts).max().getAsInt() / meanKeys,
        Arrays.stream(guavaCounts).min().getAsInt() / meanKeys));

    for (String weights : new String[] {"distinct", "ramp"}) {
      MaglevProbe.Table weighted = MaglevProbe.table(Workload.of(1000, weights));
      long totalWeight = Arrays.stream(weighted.weights()).asLongStream().sum();
      double max = 0;
      double min = Double.MAX_VALUE;
      int empty = 0;
      for (int i = 0; i < weighted.slots().length; i++) {
        double fair = (double) weighted.size() * weighted.weights()[i] / totalWeight;
        double ratio = weighted.slots()[i] / fair;
        max = Math.max(max, ratio);
        min = Math.min(min, ratio);
        if (weighted.slots()[i] == 0) {
          empty++;
        }
      }
      md.append(row("Maglev slots / weight share, weights " + describe(weights)
          + (empty > 0 ? " (" + empty + " endpoints own no slot)" : ""), max, min));
    }
    md.append('\n');
  }

  private static String describe(String weights) {
    return weights.equals("distinct") ? "1 + i % 10" : "1..n";
  }

  // ---- movement ------------------------------------------------------------------------------

  private static void movement(StringBuilder md) {
    int keys = 100_000;
    md.append("## Keys moved when one endpoint leaves (")
        .append(String.format(Locale.ROOT, "%,d", keys)).append(" keys)\n\n");
    md.append("Ideal: only the leaving endpoint's keys move (1/n of them). The Maglev table size")
        .append(" is shown before -> after the removal.\n\n")
        .append("| what | keys moved | of which had to move | share moved |\n")
        .append("|---|---:|---:|---:|\n");
    for (int n : new int[] {100, 1000}) {
      int removed = n / 2;
      List<Endpoint> before = MaglevProbe.endpoints(Workload.of(n, "equal"));
      List<Endpoint> after = new ArrayList<>(before);
      String gone = after.remove(removed).address();
      MaglevProbe.Owners maglevBefore = MaglevProbe.owners(before);
      MaglevProbe.Owners maglevAfter = MaglevProbe.owners(after);
      md.append(moved(String.format(Locale.ROOT, "Maglev, n = %d, endpoint #%d removed (table %,d"
              + " -> %,d)", n, removed, MaglevProbe.tableSize(n), MaglevProbe.tableSize(n - 1)),
          keys, gone, maglevBefore::owner, maglevAfter::owner));

      List<String> addressesBefore = before.stream().map(Endpoint::address).toList();
      List<String> addressesAfter = after.stream().map(Endpoint::address).toList();
      md.append(moved("Guava, n = " + n + ", last bucket removed", keys,
          addressesBefore.get(n - 1),
          k -> addressesBefore.get(guava(k, n)), k -> addressesBefore.get(guava(k, n - 1))));
      md.append(moved("Guava, n = " + n + ", bucket #" + removed + " removed (list renumbered)",
          keys, gone,
          k -> addressesBefore.get(guava(k, n)), k -> addressesAfter.get(guava(k, n - 1))));
    }
    md.append('\n');
  }

  private static String moved(String what, int keys, String gone, Function<String, String> before,
      Function<String, String> after) {
    int moved = 0;
    int forced = 0;
    for (int k = 0; k < keys; k++) {
      String key = "key-" + k;
      String owner = before.apply(key);
      if (!owner.equals(after.apply(key))) {
        moved++;
      }
      if (owner.equals(gone)) {
        forced++;
      }
    }
    return String.format(Locale.ROOT, "| %s | %,d | %,d | %.2f%% |%n", what, moved, forced,
        100.0 * moved / keys);
  }

  // ---- build time ----------------------------------------------------------------------------

  private static void buildTime(StringBuilder md) {
    md.append("## Table build time (new picker: sort, table, shares)\n\n");
    md.append("Median and minimum of 15 builds after 5 warmup builds, single thread,")
        .append(" busy machine.\n\n| endpoints | table size | median ms | min ms |\n")
        .append("|---:|---:|---:|---:|\n");
    for (int n : new int[] {100, 1000, 10_000}) {
      Workload w = Workload.of(n, "equal");
      for (int i = 0; i < 5; i++) {
        MaglevProbe.buildNanos(w);
      }
      long[] times = new long[15];
      for (int i = 0; i < times.length; i++) {
        times[i] = MaglevProbe.buildNanos(w);
      }
      Arrays.sort(times);
      md.append(String.format(Locale.ROOT, "| %,d | %,d | %.2f | %.2f |%n", n,
          MaglevProbe.table(w).size(), times[times.length / 2] / 1e6, times[0] / 1e6));
    }
    md.append('\n');
  }

  // ---- bounded load --------------------------------------------------------------------------

  private static void boundedLoad(StringBuilder md) {
    int n = 100;
    int window = 1_000;
    int steps = 200_000;
    int distinctKeys = 10_000;
    double zipf = 1.1;
    md.append("## In-flight balance under skewed keys\n\n");
    md.append(String.format(Locale.ROOT, "%d endpoints, %,d calls in flight at all times (each"
        + " completes %,d picks after it started), %,d picks over %,d keys drawn from Zipf(s = %.1f)"
        + " (the hottest key gets %.0f%% of the picks). Mean in flight per endpoint: %d.%n%n",
        n, window, window, steps, distinctKeys, zipf, 100 * zipfTop(distinctKeys, zipf),
        window / n));
    md.append("| what | max in flight | max / mean | picks away from the key's owner |\n")
        .append("|---|---:|---:|---:|\n");
    Workload w = Workload.of(n, "equal");
    List<Endpoint> pool = MaglevProbe.endpoints(w);
    MaglevProbe.Owners owners = MaglevProbe.owners(pool);
    for (Strategy strategy : new Strategy[] {
        Strategy.consistentHash(), Strategy.consistentHashWithBoundedLoad(1.25)}) {
      md.append(simulate(strategy, pool, owners, window, steps, distinctKeys, zipf));
    }
    md.append(simulateGuava(pool, window, steps, distinctKeys, zipf)).append('\n');
  }

  private static String simulate(Strategy strategy, List<Endpoint> pool,
      MaglevProbe.Owners owners, int window, int steps, int distinctKeys, double zipf) {
    try (LoadBalancer lb = LoadBalancer.builder("hash-quality")
        .endpoints(EndpointSource.of(pool.toArray(Endpoint[]::new)))
        .strategy(strategy)
        .build()) {
      Map<String, Integer> index = new HashMap<>();
      for (int i = 0; i < pool.size(); i++) {
        index.put(pool.get(i).address(), i);
      }
      String[] keys = new String[distinctKeys];
      RequestContext[] contexts = new RequestContext[distinctKeys];
      for (int k = 0; k < distinctKeys; k++) {
        keys[k] = "key-" + k;
        contexts[k] = RequestContext.withKey(keys[k]);
      }
      double[] cdf = zipfCdf(distinctKeys, zipf);
      SplittableRandom random = new SplittableRandom(42);
      int[] inFlight = new int[pool.size()];
      ArrayDeque<Pick> open = new ArrayDeque<>();
      int max = 0;
      int away = 0;
      for (int step = 0; step < steps; step++) {
        if (open.size() == window) {
          Pick done = open.removeFirst();
          inFlight[index.get(done.endpoint().address())]--;
          done.success();
        }
        int k = sample(cdf, random);
        Pick pick = lb.pick(contexts[k]);
        String address = pick.endpoint().address();
        if (!address.equals(owners.owner(keys[k]))) {
          away++;
        }
        int now = ++inFlight[index.get(address)];
        if (step >= window) {
          max = Math.max(max, now);
        }
        open.addLast(pick);
      }
      open.forEach(Pick::close);
      return String.format(Locale.ROOT, "| %s | %d | %.2f | %.1f%% |%n", strategy.name(), max,
          max / ((double) window / pool.size()), 100.0 * away / steps);
    }
  }

  private static String simulateGuava(List<Endpoint> pool, int window, int steps, int distinctKeys,
      double zipf) {
    double[] cdf = zipfCdf(distinctKeys, zipf);
    SplittableRandom random = new SplittableRandom(42);
    int[] bucketOf = new int[distinctKeys];
    for (int k = 0; k < distinctKeys; k++) {
      bucketOf[k] = guava("key-" + k, pool.size());
    }
    int[] inFlight = new int[pool.size()];
    ArrayDeque<Integer> open = new ArrayDeque<>();
    int max = 0;
    for (int step = 0; step < steps; step++) {
      if (open.size() == window) {
        inFlight[open.removeFirst()]--;
      }
      int b = bucketOf[sample(cdf, random)];
      int now = ++inFlight[b];
      if (step >= window) {
        max = Math.max(max, now);
      }
      open.addLast(b);
    }
    return String.format(Locale.ROOT, "| Guava consistentHash (no bound) | %d | %.2f | 0.0%% |%n",
        max, max / ((double) window / pool.size()));
  }

  private static double[] zipfCdf(int n, double s) {
    double[] cdf = new double[n];
    double sum = 0;
    for (int k = 0; k < n; k++) {
      sum += 1.0 / Math.pow(k + 1, s);
      cdf[k] = sum;
    }
    for (int k = 0; k < n; k++) {
      cdf[k] /= sum;
    }
    return cdf;
  }

  private static double zipfTop(int n, double s) {
    return zipfCdf(n, s)[0];
  }

  private static int sample(double[] cdf, SplittableRandom random) {
    int i = Arrays.binarySearch(cdf, random.nextDouble());
    return Math.min(cdf.length - 1, i >= 0 ? i : -i - 1);
  }

  private static int guava(String key, int buckets) {
    return Hashing.consistentHash(MURMUR.hashString(key, StandardCharsets.UTF_8), buckets);
  }

  private static String row(String what, double max, double min) {
    return String.format(Locale.ROOT, "| %s | %.3f | %.3f |%n", what, max, min);
  }

}
