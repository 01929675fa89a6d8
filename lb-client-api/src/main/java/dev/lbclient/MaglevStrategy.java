package dev.lbclient;

import java.util.Arrays;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Consistent hashing with a Maglev lookup table (Eisenbud et al., NSDI 2016), optionally with
 * bounded load (Mirrokni, Thorup and Zadimoghaddam, 2018).
 *
 * <p><b>Table.</b> M is prime. Each endpoint derives from two hashes of its address an {@code
 * offset} in [0, M) and a {@code skip} in [1, M); its preference list is {@code (offset + j *
 * skip) mod M}, a permutation of the slots because M is prime. Endpoints take turns claiming their
 * next free preferred slot until the table is full, so each owns M/n slots give or take one. With
 * weights, an endpoint takes a turn in a round only when its accumulated credit (its weight added
 * each round) reaches the largest weight, so slot counts follow the weights; every endpoint takes
 * the first round, so even the lightest owns a slot. Endpoints are ordered
 * by address before building, so every client that sees the same set builds the same table
 * whatever order its source listed them in. Removing one endpoint frees its slots and disturbs few
 * others: about 1/n of the keys move.
 *
 * <p><b>Bounded load.</b> With factor c, an endpoint may take a pick only while {@code inFlight <
 * ceil(c * (totalInFlight + 1) * weight / totalWeight)}; otherwise the pick walks on through the
 * following slots to the first endpoint under its cap. Since the caps add up to more than the load,
 * one always exists.
 */
final class MaglevStrategy extends StrategyImpl {
  static final int MIN_TABLE_SIZE = 65_537;
  static final MaglevStrategy KEY = new MaglevStrategy(false, 0.0);
  static final MaglevStrategy CLIENT_ADDRESS = new MaglevStrategy(true, 0.0);

  private static final long SEED_OFFSET = 0x9E3779B97F4A7C15L;
  private static final long SEED_SKIP = 0xC2B2AE3D27D4EB4FL;
  static final long SEED_KEY = 0x165667B19E3779F9L;

  private final boolean clientAddress;
  /** 0 for unbounded. */
  private final double loadFactor;

  MaglevStrategy(boolean clientAddress, double loadFactor) {
    this.clientAddress = clientAddress;
    this.loadFactor = loadFactor;
  }

  @Override
  public String name() {
    String base = clientAddress ? "ipHash" : "consistentHash";
    return loadFactor == 0.0 ? base : base + ".boundedLoad(" + loadFactor + ")";
  }

  @Override
  boolean needsTotalInFlight() {
    return loadFactor != 0.0;
  }

  /** Ramping weights would move keys between endpoints at every step: affinity comes first. */
  @Override
  boolean supportsSlowStart() {
    return false;
  }

  @Override
  Picker newPicker(EndpointState[] states, int[] weights, PickerEnv env) {
    Built built = env.maglev;
    if (built == null || !built.sameInput(states, weights)) {
      built = build(states, weights, built);
      env.maglev = built;
    }
    double[] shares = null;
    if (loadFactor != 0.0) {
      shares = new double[built.sorted.length];
      for (int i = 0; i < shares.length; i++) {
        shares[i] = (double) built.sortedWeights[i] / built.totalWeight;
      }
    }
    return new MaglevPicker(built.sorted, built.table, shares, env, clientAddress, loadFactor);
  }

  /**
   * A table and what it was built from, kept in the {@link PickerEnv} so that a snapshot over the
   * same endpoints and weights (a timer firing, a breaker changing state) reuses it: checked in
   * O(n) against the candidates as given; if they differ only in order (or a state was replaced by
   * a new one for the same address), the table is still reused once they are sorted.
   */
  static final class Built {
    /** The candidates and weights as given to {@link #newPicker}. */
    final EndpointState[] given;
    final int[] givenWeights;
    final EndpointState[] sorted;
    final int[] sortedWeights;
    final long totalWeight;
    final Table table;

    Built(EndpointState[] given, int[] givenWeights, EndpointState[] sorted, int[] sortedWeights,
        long totalWeight, Table table) {
      this.given = given;
      this.givenWeights = givenWeights;
      this.sorted = sorted;
      this.sortedWeights = sortedWeights;
      this.totalWeight = totalWeight;
      this.table = table;
    }

    boolean sameInput(EndpointState[] states, int[] weights) {
      if (states == given && weights == givenWeights) {
        return true;
      }
      if (states.length != given.length || !Arrays.equals(weights, givenWeights)) {
        return false;
      }
      for (int i = 0; i < states.length; i++) {
        if (states[i] != given[i]) { // the same states: the picker may hold the sorted ones
          return false;
        }
      }
      return true;
    }
  }

  private static boolean sameAddress(EndpointState a, EndpointState b) {
    return a == b || a.address().equals(b.address());
  }

  /** Sorts by address, then reuses the previous table if the sorted input is the same. */
  private static Built build(EndpointState[] states, int[] weights, @Nullable Built previous) {
    int n = states.length;
    Integer[] order = new Integer[n];
    String[] addresses = new String[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
      addresses[i] = states[i].address();
    }
    Arrays.sort(order, (a, b) -> addresses[a].compareTo(addresses[b]));
    EndpointState[] sorted = new EndpointState[n];
    int[] sortedWeights = new int[n];
    long totalWeight = 0;
    for (int i = 0; i < n; i++) {
      sorted[i] = states[order[i]];
      sortedWeights[i] = weights[order[i]];
      totalWeight += sortedWeights[i];
    }
    Table table = null;
    if (previous != null && previous.sorted.length == n
        && Arrays.equals(previous.sortedWeights, sortedWeights)) {
      boolean same = true;
      for (int i = 0; i < n && same; i++) {
        same = sameAddress(sorted[i], previous.sorted[i]);
      }
      if (same) {
        table = previous.table;
      }
    }
    if (table == null) {
      table = populate(sorted, sortedWeights, tableSize(n));
    }
    return new Built(states, weights, sorted, sortedWeights, totalWeight, table);
  }

  /**
   * Table sizes: primes near 65536 x 10^k. Maglev wants at least 100 slots per endpoint for
   * balance (about 1%), but the size must change rarely, because a new size remaps nearly every
   * key: so it steps through this fixed ladder (65537 up to 655 endpoints, 655373 up to 6553,
   * 6553621 beyond) rather than follow the pool size. Every client that sees the same number of
   * endpoints picks the same size.
   */
  private static final int[] TABLE_SIZES = {65_537, 655_373, 6_553_621};

  static int tableSize(int endpoints) {
    for (int size : TABLE_SIZES) {
      if (100L * endpoints <= size) {
        return size;
      }
    }
    return TABLE_SIZES[TABLE_SIZES.length - 1];
  }

  /** The owners of a table of {@code m} slots over {@code states} as given (for tests, reports). */
  static int[] buildTable(EndpointState[] states, int m) {
    int[] weights = new int[states.length];
    for (int i = 0; i < states.length; i++) {
      weights[i] = states[i].endpoint().weight();
    }
    return buildTable(states, weights, m);
  }

  static int[] buildTable(EndpointState[] states, int[] weights, int m) {
    return populate(states, weights, m).toArray();
  }

  /**
   * Maglev's population, exactly as the paper's: endpoints take turns (in the order given; with
   * weights, a turn when the credit allows, see the class comment) and each claims the next free
   * slot of its preference list {@code offset, offset + skip, offset + 2 skip, ... (mod M)}, until
   * every slot is owned. Three things make it fast without changing a single slot:
   *
   * <ul>
   *   <li>The preference list is walked by adding {@code skip} and subtracting M on overflow, not
   *       by a 64-bit remainder per probe.
   *   <li>Whether a slot is taken is read from a bitmap (M bits: 800 KB for the largest table,
   *       which mostly stays in cache), not from the table itself.
   *   <li>The end game. While F slots are free a claim costs about M / F probes, which for the last
   *       few thousand slots is most of the work (a full table costs M ln M probes in all). Once F
   *       drops below about sqrt(M), each claim instead looks at the free slots themselves: slot x
   *       comes {@code d = (x - current) * skip^-1 (mod M)} steps down the endpoint's list (M is
   *       prime, so skip has an inverse), and the free slot with the smallest d is exactly the one
   *       its walk would have reached first. That costs F multiplications per claim, and about
   *       M / 2 in all.
   * </ul>
   *
   * So a build costs about M ln(sqrt M) bitmap probes: O(table), with no work per endpoint beyond
   * two hashes. (A build that reuses the previous table's slots would have to replay the turns of
   * every endpoint whose turn order changed, which is nearly all of them: Maglev's table is a
   * function of the whole set.)
   */
  static Table populate(EndpointState[] states, int[] weights, int m) {
    Population p = new Population(states, weights, m);
    while (!p.round()) {
      // one turn per endpoint whose credit allows, until the table is full
    }
    return p.pack();
  }

  /**
   * One population's state. The work is split into {@link #round()} and {@link #claim(int)}, called
   * many times each, so that the JIT compiles them early: a population runs once per change of
   * the pool, and one long loop would run mostly in the interpreter (on-stack replacement only
   * ever compiles part of it).
   */
  private static final class Population {
    final int m;
    final int n;
    final int[] weights;
    final int[] current;
    final int[] skip;
    final long[] credit;
    final long maxWeight;
    /**
     * Owner + 1 per slot while building (0 = free), as chars when they fit (up to 65,535
     * endpoints): a claim is then one plain store, where a packed table would need a load and a
     * store at a random place in a table larger than the cache. Packed once at the end.
     */
    final char @Nullable [] owners16;
    final int @Nullable [] owners32;
    final long[] taken;
    /** The end game needs skip^-1 mod m, which exists when m is prime (every ladder size is). */
    final int endGame;
    final double reciprocal;
    int filled;
    int @Nullable [] free;
    int freeCount;
    int[] inverse = new int[0];

    Population(EndpointState[] states, int[] weights, int m) {
      this.m = m;
      this.n = states.length;
      this.weights = weights;
      this.current = new int[n];
      this.skip = new int[n];
      this.credit = new long[n];
      long max = 0;
      for (int i = 0; i < n; i++) {
        String address = states[i].address();
        credit[i] = Long.MAX_VALUE / 4; // a turn in the first round, whatever the weight
        current[i] = (int) Long.remainderUnsigned(Hashing.hash64(address, SEED_OFFSET), m);
        skip[i] = (int) (Long.remainderUnsigned(Hashing.hash64(address, SEED_SKIP), m - 1) + 1);
        max = Math.max(max, weights[i]);
      }
      this.maxWeight = max;
      this.owners16 = n < Character.MAX_VALUE ? new char[m] : null;
      this.owners32 = n < Character.MAX_VALUE ? null : new int[m];
      this.taken = new long[(m + 63) >>> 6];
      this.endGame = isPrime(m) ? (int) Math.sqrt(m) : 0;
      this.reciprocal = 1.0 / m;
    }

    /** One round of turns; true once the table is full. */
    boolean round() {
      for (int i = 0; i < n; i++) {
        if (credit[i] >= Long.MAX_VALUE / 4) {
          credit[i] = 0;
        } else {
          credit[i] += weights[i];
          if (credit[i] < maxWeight) {
            continue;
          }
          credit[i] -= maxWeight;
        }
        if (claim(i)) {
          return true;
        }
      }
      return false;
    }

    /** Endpoint i claims its next free slot; true once the table is full. */
    boolean claim(int i) {
      int slot = free == null ? probe(current[i], skip[i]) : nearestFree(current[i], inverse[i]);
      if (owners16 != null) {
        owners16[slot] = (char) (i + 1);
      } else {
        owners32[slot] = i + 1;
      }
      int next = slot + skip[i];
      current[i] = next >= m ? next - m : next;
      if (++filled == m) {
        return true;
      }
      if (free == null && m - filled <= endGame) {
        startEndGame();
      }
      return false;
    }

    /** Walks the list from {@code slot} to the first free slot, and takes it. */
    private int probe(int slot, int step) {
      while ((taken[slot >>> 6] & (1L << slot)) != 0) {
        slot += step;
        if (slot >= m) {
          slot -= m;
        }
      }
      taken[slot >>> 6] |= 1L << slot;
      return slot;
    }

    /** The free slot fewest steps down the list from {@code from} (see populate), taken. */
    private int nearestFree(int from, long inv) {
      int[] f = free;
      int best = -1;
      long bestSteps = Long.MAX_VALUE;
      for (int k = 0; k < freeCount; k++) {
        int x = f[k];
        long steps = mulMod(x >= from ? x - from : x - from + m, inv, m, reciprocal);
        if (steps < bestSteps) {
          bestSteps = steps;
          best = k;
        }
      }
      int slot = f[best];
      f[best] = f[--freeCount];
      return slot;
    }

    /** The owners, packed, in one pass in slot order. */
    Table pack() {
      Table table = new Table(m, n);
      for (int slot = 0; slot < m; slot++) {
        table.set(slot, (owners16 != null ? owners16[slot] : owners32[slot]) - 1);
      }
      return table;
    }

    private void startEndGame() {
      int[] f = new int[m - filled];
      int k = 0;
      for (int w = 0; w < taken.length; w++) {
        long open = ~taken[w];
        while (open != 0 && k < f.length) {
          int x = (w << 6) + Long.numberOfTrailingZeros(open);
          if (x >= m) {
            break;
          }
          f[k++] = x;
          open &= open - 1;
        }
      }
      inverse = new int[n];
      for (int e = 0; e < n; e++) {
        inverse[e] = (int) inverseMod(skip[e], m);
      }
      freeCount = k;
      free = f;
    }
  }

  /** a * b mod m for 0 <= a, b < m < 2^31: a floating-point quotient, then corrected. */
  private static long mulMod(long a, long b, int m, double reciprocal) {
    long product = a * b; // < 2^62
    long r = product - (long) (product * reciprocal) * m;
    while (r < 0) {
      r += m;
    }
    while (r >= m) {
      r -= m;
    }
    return r;
  }

  /** a^-1 mod m for a prime m and 0 < a < m (extended Euclid). */
  static long inverseMod(long a, long m) {
    long t = 0;
    long newT = 1;
    long r = m;
    long newR = a;
    while (newR != 0) {
      long q = r / newR;
      long tmp = t - q * newT;
      t = newT;
      newT = tmp;
      tmp = r - q * newR;
      r = newR;
      newR = tmp;
    }
    return t < 0 ? t + m : t;
  }

  private static boolean isPrime(int m) {
    return java.math.BigInteger.valueOf(m).isProbablePrime(30);
  }

  /**
   * A table's owners, each an index into the sorted endpoints, packed in ceil(log2 n) bits (14 for
   * 10,000 endpoints: 11 MB for the 6.5 million slots instead of 26 MB as ints). A lookup reads
   * one or two adjacent words. Written only while it is built; immutable once published.
   */
  static final class Table {
    private final int size;
    private final int bits;
    private final long mask;
    private final long[] words;

    Table(int size, int endpoints) {
      this.size = size;
      this.bits = Math.max(1, 32 - Integer.numberOfLeadingZeros(endpoints - 1));
      this.mask = (1L << bits) - 1;
      // One spare word, so a lookup may always read the word after its own.
      this.words = new long[(int) (((long) size * bits + 63) >>> 6) + 1];
    }

    int size() {
      return size;
    }

    int owner(int slot) {
      long bit = (long) slot * bits;
      int w = (int) (bit >>> 6);
      int shift = (int) bit & 63;
      // (x << 1) << (63 - shift) is x << (64 - shift), and 0 when shift is 0.
      return (int) (((words[w] >>> shift) | ((words[w + 1] << 1) << (63 - shift))) & mask);
    }

    /** Sets a slot that is still 0. */
    void set(int slot, int owner) {
      long bit = (long) slot * bits;
      int w = (int) (bit >>> 6);
      int shift = (int) bit & 63;
      words[w] |= (long) owner << shift;
      if (shift + bits > 64) {
        words[w + 1] |= (long) owner >>> (64 - shift);
      }
    }

    int[] toArray() {
      int[] owners = new int[size];
      for (int i = 0; i < size; i++) {
        owners[i] = owner(i);
      }
      return owners;
    }
  }

  static final class MaglevPicker extends Picker {
    private final Table table;
    /** weight / total weight per endpoint, for bounded load only. */
    private final double @Nullable [] shares;
    private final PickerEnv env;
    private final boolean clientAddress;
    private final double loadFactor;

    MaglevPicker(EndpointState[] states, Table table, double @Nullable [] shares, PickerEnv env,
        boolean clientAddress, double loadFactor) {
      super(states);
      this.table = table;
      this.shares = shares;
      this.env = env;
      this.clientAddress = clientAddress;
      this.loadFactor = loadFactor;
    }

    Table table() {
      return table;
    }

    /** The index into {@link #states} that owns {@code key}, ignoring load. */
    int owner(String key) {
      return table.owner(slot(key));
    }

    private int slot(String key) {
      return (int) Long.remainderUnsigned(Hashing.hash64(key, SEED_KEY), table.size());
    }

    @Override
    EndpointState pickExplained(RequestContext context, long nowNanos, StringBuilder why) {
      String key = context.key();
      if (clientAddress && context.clientAddress() != null) {
        key = context.clientAddress();
      }
      EndpointState chosen = pick(context, nowNanos);
      if (key == null) {
        why.append("no ").append(clientAddress ? "client address or key" : "key")
            .append(" in the request: chose at random");
      } else {
        int slot = slot(key);
        EndpointState owner = states[table.owner(slot)];
        why.append("key hashes to slot ").append(slot).append(" of ").append(table.size())
            .append(", owned by ").append(owner.address());
        if (chosen != owner) {
          why.append(", which was over its load cap; walked on to ").append(chosen.address());
        }
      }
      return chosen;
    }

    /**
     * Walks the table from the key's slot to the first endpoint {@code take} takes, each endpoint
     * offered once: every client that skips the same owner (not READY, refused by its breaker,
     * tried already) sends the key to the same next endpoint, so affinity survives the skip. A
     * pick without a key falls back to the default (random draws, then a scan).
     */
    @Override
    @Nullable EndpointState pick(RequestContext context, long nowNanos,
        Predicate<EndpointState> take, RandomGenerator rng, @Nullable EndpointState refused) {
      String key = context.key();
      if (clientAddress && context.clientAddress() != null) {
        key = context.clientAddress();
      }
      if (key == null) {
        return super.pick(context, nowNanos, take, rng, refused);
      }
      boolean[] offered = new boolean[states.length];
      int left = states.length;
      int m = table.size();
      int slot = slot(key);
      for (int step = 0; step < m && left > 0; step++) {
        int i = table.owner((slot + step) % m);
        if (offered[i]) {
          continue;
        }
        offered[i] = true;
        left--;
        if (states[i] != refused && take.test(states[i])) {
          return states[i];
        }
      }
      return null;
    }

    @Override
    EndpointState pick(RequestContext context, long nowNanos) {
      String key = context.key();
      if (clientAddress && context.clientAddress() != null) {
        key = context.clientAddress();
      }
      if (key == null) {
        return states[env.rng.nextInt(states.length)];
      }
      int slot = slot(key);
      if (shares == null) {
        return states[table.owner(slot)];
      }
      double scaledTotal = loadFactor * (env.totalInFlight.sum() + 1);
      int m = table.size();
      for (int step = 0; step < m; step++) {
        int i = table.owner((slot + step) % m);
        if (states[i].inFlight() < Math.ceil(scaledTotal * shares[i])) {
          return states[i];
        }
      }
      return states[table.owner(slot)];
    }
  }
}
