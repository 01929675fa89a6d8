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
    final MaglevTable table;

    Built(EndpointState[] given, int[] givenWeights, EndpointState[] sorted, int[] sortedWeights,
        long totalWeight, MaglevTable table) {
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
    MaglevTable table = null;
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
      table = MaglevTable.populate(sorted, sortedWeights, tableSize(n));
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
    return MaglevTable.populate(states, weights, m).toArray();
  }


  static final class MaglevPicker extends Picker {
    private final MaglevTable table;
    /** weight / total weight per endpoint, for bounded load only. */
    private final double @Nullable [] shares;
    private final PickerEnv env;
    private final boolean clientAddress;
    private final double loadFactor;

    MaglevPicker(EndpointState[] states, MaglevTable table, double @Nullable [] shares,
        PickerEnv env,
        boolean clientAddress, double loadFactor) {
      super(states);
      this.table = table;
      this.shares = shares;
      this.env = env;
      this.clientAddress = clientAddress;
      this.loadFactor = loadFactor;
    }

    MaglevTable table() {
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
