package dev.lbclient;

import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * A picker over groups of endpoints (priority levels, zones), each with its own picker of the
 * strategy and a share of the calls: one draw chooses the group, then the group's picker chooses
 * the endpoint. Built by {@link Localities} under the update lock; immutable.
 *
 * <p><b>The draw.</b> The shares are laid end to end on [0, 1) in group order and the draw u
 * falls in one of them. A guide table of {@value #GUIDE} entries (the first group whose interval
 * reaches past b / {@value #GUIDE}) starts the search next to the answer, so the choice is exact
 * and takes O(1) steps on average whatever the number of groups (Chen and Asau's indexed search).
 * When one group has every call there is no draw at all. For hash strategies u is a hash of the
 * request's key (with a seed of its own, independent of the hash table's), not a random number:
 * a key stays in its group while the split holds, and when a share moves by d only the keys in
 * about d of [0, 1) change group; within its group the key keeps its table's owner.
 *
 * <p><b>Fallback.</b> When the chosen group's picker finds nobody that the caller takes (a filter,
 * endpoints to avoid, breakers refusing), the other groups are tried in group order: the caller's
 * zone first, then the other zones, the highest priority first. Groups with a share of 0 (a lower
 * priority level that is not needed, a zone with no residual capacity) take part only here.
 *
 * <p>{@link #pick(RequestContext, long)} takes no lock and allocates nothing.
 */
final class SplitPicker extends Picker {
  static final int GUIDE = 64;
  private static final long SEED_SPLIT = 0x7a6f_6e65_5f73_706cL;

  final Picker[] pickers;
  final double[] shares;
  final String[] labels;
  /** ends[g] = shares[0] + ... + shares[g]; 1.0 from the last group with a share on. */
  private final double[] ends;
  private final int[] guide;
  /** The group with every call, or -1. */
  private final int only;
  private final RandomGenerator rng;
  /** 0: draw at random; 1: hash the key; 2: hash the client address, else the key. */
  private final int hashing;

  SplitPicker(EndpointState[] states, Picker[] pickers, double[] shares, String[] labels,
      RandomGenerator rng, int hashing) {
    super(states);
    this.pickers = pickers;
    this.shares = shares;
    this.labels = labels;
    this.rng = rng;
    this.hashing = hashing;
    int n = pickers.length;
    int last = 0;
    int positive = 0;
    for (int g = 0; g < n; g++) {
      if (shares[g] > 0) {
        last = g;
        positive++;
      }
    }
    this.only = positive <= 1 ? last : -1;
    this.ends = new double[n];
    double end = 0;
    for (int g = 0; g < n; g++) {
      end += shares[g];
      ends[g] = g >= last ? 1.0 : Math.min(end, 1.0);
    }
    this.guide = new int[GUIDE];
    int g = 0;
    for (int b = 0; b < GUIDE; b++) {
      while (ends[g] <= (double) b / GUIDE) {
        g++;
      }
      guide[b] = g;
    }
  }

  /** The group for this call. */
  int choose(RequestContext context) {
    if (only >= 0) {
      return only;
    }
    double u = draw(context);
    int g = guide[(int) (u * GUIDE)];
    while (u >= ends[g]) {
      g++;
    }
    return g;
  }

  /** A uniform number in [0, 1): from the key for hash strategies, else at random. */
  private double draw(RequestContext context) {
    String key = null;
    if (hashing != 0) {
      key = hashing == 2 && context.clientAddress() != null ? context.clientAddress()
          : context.key();
    }
    long bits = key != null ? Hashing.hash64(key, SEED_SPLIT) : rng.nextLong();
    return (bits >>> 11) * 0x1.0p-53;
  }

  @Override
  EndpointState pick(RequestContext context, long nowNanos) {
    return pickers[choose(context)].pick(context, nowNanos);
  }

  @Override
  @Nullable EndpointState pick(RequestContext context, long nowNanos,
      Predicate<EndpointState> take, RandomGenerator rng, @Nullable EndpointState refused) {
    int first = choose(context);
    EndpointState s = pickers[first].pick(context, nowNanos, take, rng, refused);
    for (int g = 0; s == null && g < pickers.length; g++) {
      if (g != first) {
        s = pickers[g].pick(context, nowNanos, take, rng, refused);
      }
    }
    return s;
  }

  @Override
  EndpointState pickExplained(RequestContext context, long nowNanos, StringBuilder why) {
    int g = choose(context);
    why.append(labels[g]).append(": ");
    return pickers[g].pickExplained(context, nowNanos, why);
  }
}
