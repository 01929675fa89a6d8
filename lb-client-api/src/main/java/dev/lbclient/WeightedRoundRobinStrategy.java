package dev.lbclient;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;

/**
 * Smooth weighted round robin, stateless apart from one counter.
 *
 * <p>Lay the endpoints side by side on [0, W), endpoint i owning an interval as long as its weight
 * (W = sum of the weights, divided by their gcd). Pick number c goes to the owner of {@code (c * K)
 * mod W}, where K is the integer nearest to W / phi (phi = golden ratio) that is coprime with W.
 * Because K is coprime with W, c -> c*K mod W is a permutation of [0, W): every cycle of W picks
 * hits each interval exactly as often as its length, so shares are exact per cycle. Because K/W is
 * close to the golden ratio, consecutive points land far apart (the three-distance theorem: every
 * prefix of the sequence is spread almost evenly), so an endpoint whose weight is below 38% of W
 * never gets two picks in a row, and any window of L picks gives each endpoint its share within
 * O(log L). A pick is one counter increment, one multiplication and a binary search: O(log n),
 * whatever the weights. There is no per-endpoint mutable state (unlike NGINX's smooth weighted
 * round robin, which needs a lock or an O(n) scan per pick).
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
      return new RoundRobinStrategy.RoundRobinPicker(states, env.rng.nextInt(states.length));
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
    long[] ends = new long[states.length];
    long end = 0;
    for (int i = 0; i < weights.length; i++) {
      end += weights[i];
      ends[i] = end;
    }
    return new WeightedRoundRobinPicker(states, ends, multiplier(total), env.rng.nextLong(total));
  }

  /** The integer nearest W / phi that is coprime with W. */
  static long multiplier(long total) {
    long k = Math.round(total * INVERSE_PHI);
    for (long d = 0; ; d++) {
      for (long candidate : new long[] {k + d, k - d}) {
        if (candidate > 0 && candidate < total
            && BigInteger.valueOf(candidate).gcd(BigInteger.valueOf(total)).equals(BigInteger.ONE)) {
          return candidate;
        }
      }
      if (d > total) {
        return total == 1 ? 0 : 1;
      }
    }
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
