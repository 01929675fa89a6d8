package dev.lbclient;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

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

  private static final Comparator<Ranked> ORDER = (a, b) -> {
    int c = Long.compare(a.rank, b.rank);
    if (c == 0) {
      c = a.endpoint.address().compareTo(b.endpoint.address());
    }
    return c != 0 ? c : Integer.compare(a.position, b.position);
  };

  private Subsetter() {}

  /**
   * Deterministic aperture on a ring: the servers are placed on a ring in the order of a fixed
   * hash of their address (so neighbours on the ring are unrelated machines), server r of M in slot
   * r; client i of N takes the k servers from slot s(i) = floor(i M / N + 1/2) mod M, the slot
   * whose middle is nearest its position i/N on the ring.
   *
   * <p>Why it balances: server r serves the clients whose start is one of the k slots r-k+1..r,
   * and the number of i in [0, N) with i M / N + 1/2 in any window of k slots is floor(k N / M) or
   * ceil(k N / M). So every server has within one client of the mean N k / M, and as each client
   * spreads its requests evenly over k servers, request load is as even.
   *
   * <p>Churn: one server more or less moves every slot boundary by under one slot, so a client
   * loses at most one server, and about a third of them lose one: about 1/(3k) + 1/M of the pairs
   * move (rendezvous moves 1/M). One client more or less moves the starts by up to M / N slots:
   * little when N >= M, up to whole subsets when there are many more servers than clients. Starting
   * from the middle of a slot rather than its edge halves the churn when M / N is a whole number.
   *
   * @param clientIndex 0..clientCount-1, distinct per client
   */
  static List<Endpoint> ring(List<Endpoint> all, int clientIndex, int clientCount, int k) {
    Ranked[] ring = sorted(all, true, RING_SEED);
    int m = ring.length;
    if (k >= m) {
      return endpoints(ring, 0, m);
    }
    int start = (int) ((2L * clientIndex * m + clientCount) / (2L * clientCount) % m);
    return endpoints(ring, start, k);
  }

  /**
   * Rendezvous (highest random weight) hashing as in gRFC A68: each server gets the score
   * hash(address, seed of this client) and the client keeps the k lowest. A new server enters a
   * client's subset only by displacing one member, which happens for a share k / (M + 1) of the
   * clients: the least churn any subsetting can have. But nothing coordinates the clients, so each
   * server is chosen by a binomial number of them (mean N k / M, standard deviation about the
   * square root of that): with 1,000 clients, 300 servers and k = 30, the busiest server has about
   * 1.3 times the mean.
   */
  static List<Endpoint> rendezvous(List<Endpoint> all, String clientId, int k) {
    Ranked[] ranked = sorted(all, true, Hashing.hash64(clientId, 0));
    return endpoints(ranked, 0, Math.min(k, ranked.length));
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
    Ranked[] sorted = sorted(all, false, 0);
    int m = sorted.length;
    Endpoint[] servers = new Endpoint[m];
    for (int i = 0; i < m; i++) {
      servers[i] = sorted[i].endpoint;
    }
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

  /**
   * The servers ordered by hash(address, seed) if {@code hashed}, else by address; one per
   * address, the first occurrence in {@code all} winning (as in the pool): equal addresses sort
   * next to each other, in list order, and all but the first are dropped.
   */
  private static Ranked[] sorted(List<Endpoint> all, boolean hashed, long seed) {
    Ranked[] ranked = new Ranked[all.size()];
    for (int i = 0; i < ranked.length; i++) {
      Endpoint e = all.get(i);
      ranked[i] = new Ranked(hashed ? Hashing.hash64(e.address(), seed) : 0, e, i);
    }
    Arrays.sort(ranked, ORDER);
    int distinct = 0;
    for (Ranked r : ranked) {
      if (distinct == 0 || !ranked[distinct - 1].endpoint.sameAddress(r.endpoint)) {
        ranked[distinct++] = r;
      }
    }
    return distinct == ranked.length ? ranked : Arrays.copyOf(ranked, distinct);
  }

  /** {@code count} endpoints of the ring from {@code start}, wrapping around. */
  private static List<Endpoint> endpoints(Ranked[] ring, int start, int count) {
    Endpoint[] out = new Endpoint[count];
    for (int j = 0; j < count; j++) {
      out[j] = ring[(start + j) % ring.length].endpoint;
    }
    return List.of(out);
  }

  private static final class Ranked {
    final long rank;
    final Endpoint endpoint;
    final int position;

    Ranked(long rank, Endpoint endpoint, int position) {
      this.rank = rank;
      this.endpoint = endpoint;
      this.position = position;
    }
  }
}
