package dev.lbclient;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;

/**
 * Smooth weighted round robin, stateless apart from one counter.
 *
 * <p>Lay the endpoints side by side on [0, W), endpoint i owning an interval as long as its weight
 * (W = sum of the weights, divided by their gcd; doubled when that is 6, see below). Pick number c
 * goes to the owner of {@code (c * K) mod W}, where K is coprime with W and close to W / phi (phi =
 * golden ratio). Because K is coprime with W, c -> c*K mod W is a permutation of [0, W): every
 * cycle of W picks hits each interval exactly as often as its length, so shares are exact per
 * cycle. Because K/W is close to the golden ratio, consecutive points land far apart (the
 * three-distance theorem: every prefix of the sequence is spread almost evenly), so an endpoint
 * whose weight is below 38% of W never gets two picks in a row, and any window of L picks gives
 * each endpoint its share within O(log L). A pick is one counter increment, one multiplication and
 * a binary search: O(log n), whatever the weights. There is no per-endpoint mutable state (unlike
 * NGINX's smooth weighted round robin, which needs a lock or an O(n) scan per pick).
 *
 * <p>"Close to W / phi" needs care; the integer nearest W / phi is not enough. Consecutive points
 * are K or W - K apart, so both must be at least 38% of W for the no-repeat rule. And K/W must be
 * close to 1/phi as a continued fraction, not just as a number: 1/phi's partial quotients are all
 * 1, and a large partial quotient a at denominator q makes the sequence nearly repeat every q
 * picks, so windows drift from their shares by about a and a heavy endpoint gets long runs (with
 * the nearest coprime integer, weights {3739, 56} gave the heavy one 1924 picks in a row). So
 * {@link #multiplier} takes, among the integers within 64 of W / phi that are coprime with W and
 * keep both gaps at 38% of W, the one whose continued fraction has the smallest largest partial
 * quotient (at most 12 for every W up to 3 million and for a random sample up to 3 billion). For
 * W = 6 none exists (only 1 and 5 are coprime with 6, and both walk the intervals in order), so
 * the weights are doubled: W = 12.
 */
final class WeightedRoundRobinStrategy extends StrategyImpl {
  static final WeightedRoundRobinStrategy INSTANCE = new WeightedRoundRobinStrategy();
  private static final double INVERSE_PHI = 0.6180339887498949;
  /** Keep W * W within a signed long. */
  private static final long MAX_CYCLE = 3_000_000_000L;

  @Override
  public String name() {
    return "weightedRoundRobin";
  }

  @Override
  Picker newPicker(EndpointState[] states, int[] configured, PickerEnv env) {
    if (allEqual(configured)) {
      return new RoundRobinStrategy.RoundRobinPicker(states, env.rng);
    }
    long[] weights = new long[states.length];
    long gcd = 0;
    long total = 0;
    for (int i = 0; i < states.length; i++) {
      weights[i] = configured[i];
      gcd = BigInteger.valueOf(gcd).gcd(BigInteger.valueOf(weights[i])).longValue();
      total += weights[i];
    }
    for (int i = 0; i < weights.length; i++) {
      weights[i] /= gcd;
    }
    total /= gcd;
    if (total > MAX_CYCLE) {
      // Only with tens of thousands of heavy endpoints: scale down, keeping every weight >= 1.
      double scale = (double) MAX_CYCLE / (2 * total);
      total = 0;
      for (int i = 0; i < weights.length; i++) {
        weights[i] = Math.max(1, Math.round(weights[i] * scale));
        total += weights[i];
      }
    }
    long multiplier = multiplier(total);
    if (multiplier == 0) {
      // W = 6: no multiplier spreads the picks; W = 12 has one.
      for (int i = 0; i < weights.length; i++) {
        weights[i] *= 2;
      }
      total *= 2;
      multiplier = multiplier(total);
    }
    long[] ends = new long[states.length];
    long end = 0;
    for (int i = 0; i < weights.length; i++) {
      end += weights[i];
      ends[i] = end;
    }
    return new WeightedRoundRobinPicker(states, ends, multiplier, env.rng.nextLong(total));
  }

  /**
   * The multiplier for a cycle of W (see the class comment): within 64 of W / phi, coprime with W,
   * both gaps K and W - K at least every length below 38% of W, and the smallest largest partial
   * quotient, the nearest to W / phi on ties. 0 if there is none: among W >= 2, only for W = 6.
   */
  static long multiplier(long total) {
    long k = Math.round(total * INVERSE_PHI);
    long minGap = (long) Math.ceil(total * 0.38) - 1;
    long best = 0;
    long bestQuotient = Long.MAX_VALUE;
    for (long d = 0; d <= 64; d++) {
      for (long candidate : new long[] {k - d, k + d}) {
        if (candidate > 0 && candidate < total
            && Math.min(candidate, total - candidate) >= minGap
            && BigInteger.valueOf(candidate).gcd(BigInteger.valueOf(total)).equals(BigInteger.ONE)) {
          long quotient = largestPartialQuotient(candidate, total);
          if (quotient < bestQuotient) {
            best = candidate;
            bestQuotient = quotient;
          }
        }
      }
    }
    return best;
  }

  /** The largest partial quotient of the continued fraction of k / w, for 0 < k < w. */
  static long largestPartialQuotient(long k, long w) {
    long largest = 0;
    long a = w;
    long b = k;
    while (b != 0) {
      largest = Math.max(largest, a / b);
      long r = a % b;
      a = b;
      b = r;
    }
    return largest;
  }

  static final class WeightedRoundRobinPicker extends Picker {
    private static final VarHandle NEXT;

    static {
      try {
        NEXT = MethodHandles.lookup()
            .findVarHandle(WeightedRoundRobinPicker.class, "next", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    /** ends[i] = exclusive end of endpoint i's interval; ends[n-1] = W. */
    private final long[] ends;
    private final long total;
    private final long multiplier;
    private volatile long next;

    WeightedRoundRobinPicker(EndpointState[] states, long[] ends, long multiplier, long start) {
      super(states);
      this.ends = ends;
      this.total = ends[ends.length - 1];
      this.multiplier = multiplier;
      this.next = start;
    }

    @Override
    EndpointState pick(RequestContext context, long nowNanos) {
      long c = (long) NEXT.getAndAdd(this, 1L);
      long point = Math.floorMod(c, total) * multiplier % total;
      return states[search(ends, point)];
    }
  }
}
