package dev.lbclient;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pure functions that choose the servers one client talks to: given every server of a service,
 * who the client is and the subset size k, return that client's min(k, M) servers. Same inputs,
 * same subset, whatever the order of the list and on whichever JVM: every client of a fleet runs
 * the same function on the same list, and the balance between servers rests on that.
 *
 * <p>A server is identified by its {@link Endpoint#address() address}; weights are ignored (every
 * server counts as one). When an address appears twice the first occurrence is the one returned,
 * as the pool keeps it ({@link ServerPool}).
 *
 * <p>Three algorithms, compared by {@code benchmarks/run-subsetting.sh}:
 *
 * <ul>
 *   <li>{@link #ring}, the default when the client knows its index and the client count: a
 *       deterministic aperture, balanced to within one client per server, with little churn.
 *   <li>{@link #rendezvous}, when the client knows only an id (gRFC A68): no coordination,
 *       minimal churn, but balanced only as well as random subsetting.
 *   <li>{@link #rounds}, the SRE book's deterministic subsetting: balanced, but a change in the
 *       server count reshuffles nearly every subset. Kept for comparison only.
 * </ul>
 */
final class Subsetter {
  /**
   * Seeds the ring order. Part of the wire contract of the ring: every client of a fleet must use
   * the same value (and the same {@link Hashing}), or their subsets stop fitting together.
   */
  private static final long RING_SEED = 0x6c62_7269_6e67_0001L;

  private static final Comparator<Ranked> BY_RANK =
      Comparator.comparingLong((Ranked r) -> r.rank).thenComparing(r -> r.endpoint.address());

  private Subsetter() {}

  /**
   * Deterministic aperture on a ring: the servers are placed on a ring in the order of a fixed
   * hash of their address (so neighbours on the ring are unrelated machines), server r of M at
   * r/M; client i of N sits at i/N and takes the k servers starting at slot floor(i M / N).
   *
   * <p>Why it balances: server r serves the clients whose start is one of the k slots r-k+1..r,
   * and the number of i in [0, N) with floor(i M / N) in any k consecutive slots is
   * floor(k N / M) or ceil(k N / M). So every server has within one client of the mean N k / M,
   * and as each client spreads its requests evenly over k servers, request load is as even.
   *
   * <p>Churn: one server more or less shifts each start by under one slot and each identity after
   * the change by one, so a client loses at most one or two servers, and most lose none. One client
   * more or less moves each start by i M / (N (N + 1)) slots: little when N >= M, more when there
   * are many more servers than clients.
   *
   * @param clientIndex 0..clientCount-1, distinct per client
   */
  static List<Endpoint> ring(List<Endpoint> all, int clientIndex, int clientCount, int k) {
    List<Ranked> ring = ranked(all, RING_SEED);
    int m = ring.size();
    if (k >= m) {
      return endpoints(ring, 0, m);
    }
    int start = (int) ((long) clientIndex * m / clientCount);
    return endpoints(ring, start, k);
  }

  /**
   * Rendezvous (highest random weight) hashing as in gRFC A68: each server gets the score
   * hash(address, seed of this client) and the client keeps the k lowest. A new server enters a
   * client's subset only by displacing one member, which happens for a share k / (M + 1) of the
   * clients: the least churn any subsetting can have. But nothing coordinates the clients, so each
   * server is chosen by a binomial number of them (mean N k / M, standard deviation about the square
   * root of that): with 1,000 clients, 300 servers and k = 30, the busiest server has about 1.3
   * times the mean.
   */
  static List<Endpoint> rendezvous(List<Endpoint> all, String clientId, int k) {
    List<Ranked> ranked = ranked(all, Hashing.hash64(clientId, 0));
    return endpoints(ranked, 0, Math.min(k, ranked.size()));
  }

  /**
   * Deterministic subsetting from the Google SRE book (chapter 20): with c = floor(M / k) subsets
   * per round, client i is in round i / c; every client of a round shuffles the address-sorted
   * list with the round as the seed and takes slice i mod c. Each round hands every server out at
   * most once, so connection counts differ by little (by at most one when k divides M). But the
   * shuffle is over the whole list: one server more or less gives every round a new permutation
   * and nearly every client a new subset. Needs only the index, not the client count.
   *
   * @param clientIndex 0 or more, distinct per client, dense from 0
   */
  static List<Endpoint> rounds(List<Endpoint> all, int clientIndex, int k) {
    Endpoint[] servers = distinct(all).toArray(new Endpoint[0]);
    Arrays.sort(servers, Comparator.comparing(Endpoint::address));
    int m = servers.length;
    if (k >= m) {
      return List.of(servers);
    }
    int subsetsPerRound = m / k;
    long round = clientIndex / subsetsPerRound;
    shuffle(servers, round);
    int first = (clientIndex % subsetsPerRound) * k;
    return List.of(Arrays.copyOfRange(servers, first, first + k));
  }

  /** Fisher-Yates with SplitMix64 (both fully specified here, so every JVM shuffles alike). */
  private static void shuffle(Endpoint[] a, long seed) {
    long state = seed;
    for (int i = a.length - 1; i > 0; i--) {
      state += 0x9e3779b97f4a7c15L;
      // Unbiased enough for i < 2^31: the modulo bias of a 64-bit draw is below 2^-32.
      int j = (int) Long.remainderUnsigned(Hashing.mix(state), i + 1);
      Endpoint t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** The distinct servers ordered by hash(address, seed), ties by address. */
  private static List<Ranked> ranked(List<Endpoint> all, long seed) {
    List<Ranked> ranked = new ArrayList<>();
    for (Endpoint e : distinct(all)) {
      ranked.add(new Ranked(Hashing.hash64(e.address(), seed), e));
    }
    ranked.sort(BY_RANK);
    return ranked;
  }

  /** {@code count} endpoints of the ring from {@code start}, wrapping around. */
  private static List<Endpoint> endpoints(List<Ranked> ring, int start, int count) {
    Endpoint[] out = new Endpoint[count];
    for (int j = 0; j < count; j++) {
      out[j] = ring.get((start + j) % ring.size()).endpoint;
    }
    return List.of(out);
  }

  /** One endpoint per address, the first occurrence winning (as in the pool). */
  private static java.util.Collection<Endpoint> distinct(List<Endpoint> all) {
    Map<String, Endpoint> byAddress = new LinkedHashMap<>();
    for (Endpoint e : all) {
      byAddress.putIfAbsent(e.address(), e);
    }
    return byAddress.values();
  }

  private static final class Ranked {
    final long rank;
    final Endpoint endpoint;

    Ranked(long rank, Endpoint endpoint) {
      this.rank = rank;
      this.endpoint = endpoint;
    }
  }
}
