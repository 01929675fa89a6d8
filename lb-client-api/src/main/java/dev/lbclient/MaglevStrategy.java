package dev.lbclient;

import java.util.Arrays;
import java.util.Comparator;
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
    Integer[] order = new Integer[states.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparing(i -> states[i].address()));
    EndpointState[] sorted = new EndpointState[states.length];
    int[] sortedWeights = new int[states.length];
    long totalWeight = 0;
    for (int i = 0; i < order.length; i++) {
      sorted[i] = states[order[i]];
      sortedWeights[i] = weights[order[i]];
      totalWeight += sortedWeights[i];
    }
    StringBuilder key = new StringBuilder();
    for (int i = 0; i < sorted.length; i++) {
      key.append(sorted[i].address()).append('*').append(sortedWeights[i]).append(',');
    }
    String tableKey = key.toString();
    int[] table = env.table;
    if (table == null || !tableKey.equals(env.tableKey)) {
      table = buildTable(sorted, sortedWeights, tableSize(sorted.length));
      env.table = table;
      env.tableKey = tableKey;
    }
    double[] shares = new double[sorted.length];
    for (int i = 0; i < sorted.length; i++) {
      shares[i] = (double) sortedWeights[i] / totalWeight;
    }
    return new MaglevPicker(sorted, table, shares, env, clientAddress, loadFactor);
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

  static int[] buildTable(EndpointState[] states, int m) {
    int[] weights = new int[states.length];
    for (int i = 0; i < states.length; i++) {
      weights[i] = states[i].endpoint().weight();
    }
    return buildTable(states, weights, m);
  }

  static int[] buildTable(EndpointState[] states, int[] weights, int m) {
    int n = states.length;
    long[] offset = new long[n];
    long[] skip = new long[n];
    long[] next = new long[n];
    long[] credit = new long[n];
    long[] weight = new long[n];
    long maxWeight = 0;
    for (int i = 0; i < n; i++) {
      String address = states[i].address();
      credit[i] = Long.MAX_VALUE / 4; // a turn in the first round, whatever the weight
      offset[i] = Long.remainderUnsigned(Hashing.hash64(address, SEED_OFFSET), m);
      skip[i] = Long.remainderUnsigned(Hashing.hash64(address, SEED_SKIP), m - 1) + 1;
      weight[i] = weights[i];
      maxWeight = Math.max(maxWeight, weight[i]);
    }
    int[] table = new int[m];
    Arrays.fill(table, -1);
    int filled = 0;
    while (true) {
      for (int i = 0; i < n; i++) {
        if (credit[i] >= Long.MAX_VALUE / 4) {
          credit[i] = 0;
        } else {
          credit[i] += weight[i];
          if (credit[i] < maxWeight) {
            continue;
          }
          credit[i] -= maxWeight;
        }
        int slot;
        do {
          slot = (int) ((offset[i] + next[i] * skip[i]) % m);
          next[i]++;
        } while (table[slot] >= 0);
        table[slot] = i;
        if (++filled == m) {
          return table;
        }
      }
    }
  }

  static final class MaglevPicker extends Picker {
    private final int[] table;
    private final double[] shares;
    private final PickerEnv env;
    private final boolean clientAddress;
    private final double loadFactor;

    MaglevPicker(EndpointState[] states, int[] table, double[] shares, PickerEnv env,
        boolean clientAddress, double loadFactor) {
      super(states);
      this.table = table;
      this.shares = shares;
      this.env = env;
      this.clientAddress = clientAddress;
      this.loadFactor = loadFactor;
    }

    /** The index into {@link #states} that owns {@code key}, ignoring load. */
    int owner(String key) {
      return table[slot(key)];
    }

    private int slot(String key) {
      return (int) Long.remainderUnsigned(Hashing.hash64(key, SEED_KEY), table.length);
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
        why.append("key hashes to slot ").append(slot).append(" of ").append(table.length)
            .append(", owned by ").append(states[table[slot]].address());
        if (chosen != states[table[slot]]) {
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
      int m = table.length;
      int slot = slot(key);
      for (int step = 0; step < m && left > 0; step++) {
        int i = table[(slot + step) % m];
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
      if (loadFactor == 0.0) {
        return states[table[slot]];
      }
      double scaledTotal = loadFactor * (env.totalInFlight.sum() + 1);
      int m = table.length;
      for (int step = 0; step < m; step++) {
        int i = table[(slot + step) % m];
        if (states[i].inFlight() < Math.ceil(scaledTotal * shares[i])) {
          return states[i];
        }
      }
      return states[table[slot]];
    }
  }
}
