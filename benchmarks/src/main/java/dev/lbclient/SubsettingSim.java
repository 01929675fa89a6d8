package dev.lbclient;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Compares subsetting algorithms on whole fleets: N clients each choose k of M servers, and we
 * count clients per server, request load per server (each client spreading its requests over its
 * subset as the algorithm says) and the client-server pairs that move when one server is added. No
 * network and no clock: the same seed gives the same CSV.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.lbclient.SubsettingSim [options]
 *   --shapes NxMxk,...   clients x servers x subset size (default 1000x300x30,100x1000x10,
 *                        5000x50x10,997x293x25)
 *   --changes N          server additions (and removals) averaged per figure (default 10)
 *   --seed N             seeds client ids and random subsets (default 1)
 *   --out DIR            where subsetting.csv goes (default benchmarks/results)
 * </pre>
 *
 * <p>Algorithms: {@code random} (the SRE book's random subsetting: each client shuffles the list
 * with its own seed and keeps the first k), {@code rendezvous} (gRFC A68, {@link Subsetting} given
 * a client id), {@code sre-rounds} (the SRE book's deterministic subsetting), {@code
 * aperture-weighted} (after Finagle's deterministic aperture: arcs of width k/M on the ring, the
 * servers at the arc's ends weighted by how much of them it covers; computed here, not in the
 * library) and
 * {@code ring} (the library's default: {@link Subsetting} given a client index and count).
 *
 * <p>A pair moves when a client closes its connection to a server that is still there, or opens one
 * other than to replace a connection to a removed server (see {@link #moved}). The CSV holds the
 * mean over {@code --changes} single-server additions, each of a different new address, rounded;
 * the console also shows it as a share of N x k, and the same for removing one server (each of
 * {@code --changes} servers spread over the list) and for adding and removing one client (the
 * last index).
 */
public final class SubsettingSim {
  static final String CSV = "subsetting.csv";
  static final String HEADER = "algorithm,clients,servers,subset,conn_max_over_mean,"
      + "load_max_over_mean,moved_pairs_on_add";
  static final List<String> ALGORITHMS =
      List.of("random", "rendezvous", "sre-rounds", "aperture-weighted", "ring");

  private SubsettingSim() {}

  public static void main(String[] args) throws IOException {
    try {
      run(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
    }
  }

  /** One row of the CSV, plus the churn figures that only the console shows. */
  record Row(String algorithm, int clients, int servers, int subset, double connMaxOverMean,
      double loadMaxOverMean, double movedOnAdd, double movedOnRemove, double movedOnClientAdd,
      double movedOnClientRemove) {
    String csv() {
      return String.format(Locale.ROOT, "%s,%d,%d,%d,%.3f,%.3f,%d", algorithm, clients, servers,
          subset, connMaxOverMean, loadMaxOverMean, Math.round(movedOnAdd));
    }

    double pairs() {
      return (double) clients * Math.min(subset, servers);
    }
  }

  /** Runs as {@link #main} would; returns the rows in CSV order. */
  static List<Row> run(String... args) throws IOException {
    List<int[]> shapes = parseShapes("1000x300x30,100x1000x10,5000x50x10,997x293x25");
    int changes = 10;
    long seed = 1;
    Path out = Path.of("benchmarks", "results");
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      if (value == null) {
        throw new IllegalArgumentException(args[i] + ": missing value");
      }
      switch (args[i++]) {
        case "--shapes" -> shapes = parseShapes(value);
        case "--changes" -> changes = Integer.parseInt(value);
        case "--seed" -> seed = Long.parseLong(value);
        case "--out" -> out = Path.of(value);
        default -> throw new IllegalArgumentException("unknown option: " + args[i - 1]
            + " (expected: --shapes, --changes, --seed, --out)");
      }
    }
    PrintStream console = System.out;
    long start = System.nanoTime();
    List<Row> rows = new ArrayList<>();
    console.printf(Locale.ROOT, "%-18s %6s %6s %4s %9s %9s %18s %18s %18s %18s%n", "algorithm",
        "N", "M", "k", "conn max", "load max", "moved: +1 server", "-1 server", "+1 client",
        "-1 client");
    for (int[] shape : shapes) {
      for (String algorithm : ALGORITHMS) {
        Row row = simulate(algorithm, shape[0], shape[1], shape[2], changes, seed);
        rows.add(row);
        console.printf(Locale.ROOT, "%-18s %6d %6d %4d %9.3f %9.3f %s %s %s %s%n", algorithm,
            row.clients, row.servers, row.subset, row.connMaxOverMean, row.loadMaxOverMean,
            moved(row.movedOnAdd, row), moved(row.movedOnRemove, row),
            moved(row.movedOnClientAdd, row), moved(row.movedOnClientRemove, row));
      }
    }
    Files.createDirectories(out);
    List<String> lines = new ArrayList<>();
    lines.add(HEADER);
    rows.forEach(r -> lines.add(r.csv()));
    Path csv = out.resolve(CSV);
    Files.write(csv, lines, StandardCharsets.UTF_8);
    console.printf(Locale.ROOT, "wrote %s (%d rows) in %.1f s%n", csv, rows.size(),
        (System.nanoTime() - start) / 1e9);
    return rows;
  }

  private static String moved(double pairs, Row row) {
    return String.format(Locale.ROOT, "%8.0f (%6.2f%%)", pairs, 100 * pairs / row.pairs());
  }

  static Row simulate(String algorithm, int n, int m, int k, int changes, long seed) {
    Fleet fleet = new Fleet(algorithm, n + 1, m + changes, k, seed);
    List<Endpoint> all = servers(0, m);
    Subset[] before = fleet.assign(all, n);

    int[] conn = new int[m];
    double[] load = new double[m];
    long pairs = 0;
    for (Subset subset : before) {
      for (int j = 0; j < subset.servers.length; j++) {
        conn[subset.servers[j]]++;
        load[subset.servers[j]] += subset.shares[j];
      }
      pairs += subset.servers.length;
    }
    double connMax = Arrays.stream(conn).max().orElse(0);
    double loadMax = Arrays.stream(load).max().orElse(0);

    double added = 0;
    double removed = 0;
    for (int c = 0; c < changes; c++) {
      List<Endpoint> more = new ArrayList<>(all);
      more.add(server(m + c));
      added += moved(before, fleet.assign(more, n), fleet.present(more));
      List<Endpoint> fewer = new ArrayList<>(all);
      fewer.remove((int) ((long) c * m / changes));
      removed += moved(before, fleet.assign(fewer, n), fleet.present(fewer));
    }
    boolean[] present = fleet.present(all);
    return new Row(algorithm, n, m, k, connMax / ((double) pairs / m), loadMax / ((double) n / m),
        added / changes, removed / changes, moved(before, fleet.assign(all, n + 1), present),
        moved(before, fleet.assign(all, n - 1), present));
  }

  /**
   * Pairs moved between two layouts, over the clients in both: for each client, the larger of the
   * connections it closes to servers still {@code present} and the connections it opens beyond
   * replacing those to removed servers (which have to close). Counting openings too keeps an
   * algorithm whose subsets grow from looking churn-free.
   */
  static long moved(Subset[] before, Subset[] after, boolean[] present) {
    long moved = 0;
    for (int client = 0; client < Math.min(before.length, after.length); client++) {
      int[] was = before[client].servers;
      int[] is = after[client].servers;
      int closed = 0;
      int forced = 0;
      int opened = 0;
      int i = 0;
      int j = 0;
      while (i < was.length || j < is.length) { // both sorted: merge
        if (j == is.length || (i < was.length && was[i] < is[j])) {
          if (present[was[i++]]) {
            closed++;
          } else {
            forced++;
          }
        } else if (i == was.length || is[j] < was[i]) {
          opened++;
          j++;
        } else {
          i++;
          j++;
        }
      }
      moved += Math.max(closed, opened - forced);
    }
    return moved;
  }

  /** One client's servers (ids, ascending) and the share of its requests each one gets. */
  record Subset(int[] servers, double[] shares) {}

  /** Every client's subset under one algorithm. */
  private static final class Fleet {
    final String algorithm;
    final int k;
    final String[] ids;
    final long[] seeds;
    final Map<String, Integer> serverIds = new HashMap<>();

    Fleet(String algorithm, int maxClients, int maxServers, int k, long seed) {
      if (!ALGORITHMS.contains(algorithm)) {
        throw new IllegalArgumentException("algorithm: " + algorithm + " (expected: one of "
            + ALGORITHMS + ")");
      }
      this.algorithm = algorithm;
      this.k = k;
      SplittableRandom random = new SplittableRandom(seed);
      ids = new String[maxClients];
      seeds = new long[maxClients];
      for (int i = 0; i < maxClients; i++) {
        ids[i] = new UUID(random.nextLong(), random.nextLong()).toString();
        seeds[i] = random.nextLong();
      }
      for (int i = 0; i < maxServers; i++) {
        serverIds.put(server(i).address(), i);
      }
    }

    Subset[] assign(List<Endpoint> all, int clients) {
      List<Endpoint> byAddress = new ArrayList<>(all);
      byAddress.sort(Comparator.comparing(Endpoint::address));
      List<Endpoint> ring = Subsetter.ring(all, 0, 1, all.size()); // every server, in ring order
      Subset[] subsets = new Subset[clients];
      for (int i = 0; i < clients; i++) {
        subsets[i] = switch (algorithm) {
          case "random" -> even(random(byAddress, seeds[i], k));
          case "rendezvous" -> even(Subsetting.builder(k).clientId(ids[i]).build().select(all));
          case "sre-rounds" -> even(Subsetter.rounds(all, i, k));
          case "aperture-weighted" -> aperture(ring, i, clients, k);
          default -> even(Subsetting.builder(k).clientIndex(i, clients).build().select(all));
        };
      }
      return subsets;
    }

    boolean[] present(List<Endpoint> all) {
      boolean[] present = new boolean[serverIds.size()];
      all.forEach(e -> present[serverIds.get(e.address())] = true);
      return present;
    }

    private Subset even(List<Endpoint> subset) {
      int[] servers = new int[subset.size()];
      for (int j = 0; j < servers.length; j++) {
        servers[j] = serverIds.get(subset.get(j).address());
      }
      Arrays.sort(servers);
      double[] shares = new double[servers.length];
      Arrays.fill(shares, 1.0 / servers.length);
      return new Subset(servers, shares);
    }

    /**
     * After Finagle's deterministic aperture, in integer units of 1/(N M) of the ring: server r
     * (in the ring's order) covers [r N, (r + 1) N), client i's arc starts at i M and is k N wide
     * (at least M, one client's share of the ring, so that the arcs cover it). The client sends
     * each server the share of its arc that the server covers (Finagle gets close to that with
     * power of two choices over coverage-weighted servers) and connects to every server its arc
     * touches, usually k + 1 of them.
     */
    private Subset aperture(List<Endpoint> ring, int client, int clients, int k) {
      int m = ring.size();
      long width = Math.max((long) k * clients, m);
      Map<Integer, Double> shares = new TreeMap<>();
      if (width >= (long) clients * m) {
        ring.forEach(e -> shares.put(serverIds.get(e.address()), 1.0 / m));
      } else {
        long start = (long) client * m;
        long end = start + width;
        for (long r = start / clients; r * clients < end; r++) {
          long covered = Math.min(end, (r + 1) * clients) - Math.max(start, r * clients);
          shares.merge(serverIds.get(ring.get((int) (r % m)).address()), (double) covered / width,
              Double::sum);
        }
      }
      return new Subset(shares.keySet().stream().mapToInt(Integer::intValue).toArray(),
          shares.values().stream().mapToDouble(Double::doubleValue).toArray());
    }
  }

  /** The SRE book's random subsetting: the first k of the list shuffled with the client's seed. */
  private static List<Endpoint> random(List<Endpoint> byAddress, long seed, int k) {
    List<Endpoint> shuffled = new ArrayList<>(byAddress);
    Collections.shuffle(shuffled, new Random(seed));
    return shuffled.subList(0, Math.min(k, shuffled.size()));
  }

  /** Servers {@code from}..{@code from + count - 1}: 10.a.b.c:8080, distinct for any index. */
  static List<Endpoint> servers(int from, int count) {
    List<Endpoint> all = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      all.add(server(i));
    }
    return all;
  }

  static Endpoint server(int i) {
    return Endpoint.of("10." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff) + "." + (i & 0xff), 8080);
  }

  private static List<int[]> parseShapes(String text) {
    List<int[]> shapes = new ArrayList<>();
    for (String s : text.split(",")) {
      String[] f = s.strip().split("x");
      if (f.length != 3) {
        throw new IllegalArgumentException(
            "shape: '" + s + "' (expected: NxMxk, e.g. 1000x300x30)");
      }
      int[] shape = {Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2])};
      if (shape[0] < 2 || shape[1] < 2 || shape[2] < 1) {
        throw new IllegalArgumentException(
            "shape: '" + s + "' (expected: at least 2 clients, 2 servers and k >= 1)");
      }
      shapes.add(shape);
    }
    return shapes;
  }
}
