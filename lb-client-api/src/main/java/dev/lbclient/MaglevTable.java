package dev.lbclient;

import org.jspecify.annotations.Nullable;

/**
 * A table's owners, each an index into the sorted endpoints, packed in ceil(log2 n) bits (14 for
 * 10,000 endpoints: 11 MB for the 6.5 million slots instead of 26 MB as ints). A lookup reads
 * one or two adjacent words. Written only while it is built; immutable once published.
 */
final class MaglevTable {
  private static final long SEED_OFFSET = 0x9E3779B97F4A7C15L;
  private static final long SEED_SKIP = 0xC2B2AE3D27D4EB4FL;

  private final int size;
  private final int bits;
  private final long mask;
  private final long[] words;

  MaglevTable(int size, int endpoints) {
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
  static MaglevTable populate(EndpointState[] states, int[] weights, int m) {
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
    MaglevTable pack() {
      MaglevTable table = new MaglevTable(m, n);
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
}
