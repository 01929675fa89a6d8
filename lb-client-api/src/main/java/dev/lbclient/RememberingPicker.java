package dev.lbclient;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * The default strategy's picker: two choices, one of them remembered. The candidates are the
 * endpoint remembered from the previous pick and a fresh one: the next in turn when the weights
 * are equal, otherwise one drawn in proportion to weight (when the fresh one is the remembered one
 * it is taken without comparison, so that no endpoint is left out of the turn). The lower
 * stall-aware peak-EWMA load per unit of weight ({@link EndpointState#loadKey}) wins, with one
 * exception: when both have as many calls in flight, the fresh one wins unless the remembered one
 * is less loaded by more than a factor 1.5 ({@link #TOLERANCE}; a tie goes to the fresh one too,
 * so an idle pool is served in turn, or by weight). Then the picker remembers whichever of the
 * two is less loaded once the winner carries this call: the winner if it stays below the loser,
 * else the loser.
 *
 * <p>Why: with one fast server among slow ones, two fresh random candidates are usually both slow,
 * while a remembered best is one of the two on every pick (Mitzenmacher, Prabhakar and Shah: one
 * fresh sample plus one remembered beats two fresh ones). Remembering the less loaded of the pair
 * after the pick brings the memory back to the fast server at once after a probe of a slow one. A
 * fresh candidate taken in turn rather than at random spreads calls as evenly as round robin when
 * the loads say nothing, which random draws do not. The tolerance is what lets the loads say
 * nothing: between alike servers with as many calls in flight the latency estimates differ by
 * noise (the peak keeps the worst recent response for seconds), and with an exact comparison the
 * remembered one kept winning by chance, so each client concentrated its calls on a few servers;
 * in the lab's uniform-cpu scenario (4 alike servers at 80%) that cost a 33 ms p99 against round
 * robin's 31 ms. A server slower by more than the factor, or one holding more of this client's
 * calls, is still compared exactly.
 *
 * <p>Memory and rotation live on the same thread-striped slots as {@link
 * RoundRobinStrategy.RoundRobinPicker}'s cursors, one pair per stripe, read and written with opaque
 * access: a lost update only repeats a candidate. No lock, no allocation, no CAS.
 */
final class RememberingPicker extends Picker {
  private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(int[].class);
  /** Ints per stripe: 128 bytes, as in round robin. */
  private static final int STRIDE = 32;
  /**
   * How much less loaded the remembered candidate must be to beat the fresh one when both have as
   * many calls in flight. Chosen in the lab over 1.1 to 10: at 1.25 and below alike servers
   * still concentrate calls, at 2 and above servers warming up after a deploy get too many.
   */
  static final double TOLERANCE = 1.5;
  /** ln({@link #TOLERANCE}): the loads are compared as logarithms. */
  private static final double LN_TOLERANCE = Math.log(TOLERANCE);

  /** Per stripe, at (stripe + 1) x STRIDE: the last endpoint offered in turn, then the memory. */
  private final int[] slots;
  private final double[] logWeights;
  /** Cumulative weights when they differ, else null (candidates in turn). */
  private final long @Nullable [] ends;
  private final RandomGenerator rng;

  RememberingPicker(EndpointState[] states, int[] weights, RandomGenerator rng) {
    super(states);
    this.logWeights = StrategyImpl.logs(weights);
    this.ends = StrategyImpl.allEqual(weights) ? null : StrategyImpl.cumulative(weights);
    this.rng = rng;
    this.slots = new int[(RoundRobinStrategy.RoundRobinPicker.STRIPES + 1) * STRIDE];
    // One random start for every stripe, so fresh clients do not all begin at one endpoint and a
    // thread's sequence depends on the seed alone.
    int start = rng.nextInt(states.length);
    for (int stripe = 0; stripe < RoundRobinStrategy.RoundRobinPicker.STRIPES; stripe++) {
      slots[base(stripe)] = start;
      slots[base(stripe) + 1] = start;
    }
  }

  private static int base(int stripe) {
    return (stripe + 1) * STRIDE;
  }

  @Override
  EndpointState pick(RequestContext context, long nowNanos) {
    return states.length == 1 ? states[0] : states[choose(nowNanos, null)];
  }

  @Override
  EndpointState pickExplained(RequestContext context, long nowNanos, StringBuilder why) {
    if (states.length == 1) {
      why.append("the only endpoint");
      return states[0];
    }
    return states[choose(nowNanos, why)];
  }

  /**
   * With a caller that may refuse endpoints (not ready, tried already by a retry or a hedge): the
   * usual choice first, memory included; if the caller refuses it, two choices among the rest. The
   * pair is then the remembered endpoint, unless refused, and the next in turn; the less loaded of
   * a pair is offered, and when the caller refuses it too, the other is compared with the next in
   * turn, and so on. Endpoints refused here stay out of the memory.
   */
  @Override
  @Nullable EndpointState pick(RequestContext context, long nowNanos,
      Predicate<EndpointState> take, RandomGenerator rng, @Nullable EndpointState refused) {
    int n = states.length;
    if (n == 1) {
      return super.pick(context, nowNanos, take, rng, refused);
    }
    int first = choose(nowNanos, null);
    if (states[first] != refused && take.test(states[first])) {
      return states[first];
    }
    int base = base(RoundRobinStrategy.RoundRobinPicker.stripe());
    int a = (int) SLOTS.getOpaque(slots, base + 1);
    int kept = a == first || states[a] == refused ? -1 : a;
    if (kept < 0) { // the memory is out too: the pairs are two in turn
      kept = fresh(base, n);
      if (kept == first || states[kept] == refused) {
        kept = fresh(base, n);
      }
    }
    for (int offer = 0; offer < 2 * REDRAWS; offer++) {
      int b = fresh(base, n);
      if (b == kept || b == first || states[b] == refused) {
        b = fresh(base, n);
      }
      int best = b == kept || load(b, nowNanos, 0) <= load(kept, nowNanos, 0) ? b : kept;
      if (take.test(states[best])) {
        return states[best];
      }
      kept = best == b ? kept : b;
    }
    return super.pick(context, nowNanos, take, rng, refused);
  }

  /** The index of the winner; updates this thread's stripe. */
  private int choose(long nowNanos, @Nullable StringBuilder why) {
    int n = states.length;
    int base = base(RoundRobinStrategy.RoundRobinPicker.stripe());
    int a = (int) SLOTS.getOpaque(slots, base + 1);
    int b = fresh(base, n);
    if (b == a) { // its turn: no comparison to make
      if (why != null) {
        why.append("the remembered ").append(states[a].address()).append(" is also next ")
            .append(ends == null ? "in turn" : "by weight");
      }
      return a;
    }
    double la = load(a, nowNanos, 0);
    double lb = load(b, nowNanos, 0);
    // As many calls in flight: the loads differ by their latency estimates alone, mostly noise
    // between alike servers, so the fresh one wins unless the remembered one is clearly better.
    boolean alike = states[a].inFlight() == states[b].inFlight();
    int winner = lb <= (alike ? la + LN_TOLERANCE : la) ? b : a;
    int loser = winner == b ? a : b;
    int keep = oneMore(winner, winner == b ? lb : la, nowNanos) <= (winner == b ? la : lb)
        ? winner : loser;
    if (keep != a) {
      SLOTS.setOpaque(slots, base + 1, keep);
    }
    if (why != null) {
      why.append("compared ").append(states[a].address()).append(" (load ")
          .append(millis(states[a].loadOfKey(la, nowNanos)))
          .append(", remembered) with ").append(states[b].address()).append(" (load ")
          .append(millis(states[b].loadOfKey(lb, nowNanos)))
          .append(ends == null ? ", next in turn" : ", drawn by weight").append("); took ")
          .append(winner == a ? (alike ? "the remembered one, lower by more than " + TOLERANCE
                  + "x" : "the lower")
              : lb <= la ? (la == lb ? "the fresh one on a tie" : "the lower")
              : "the fresh one, within " + TOLERANCE + "x with as many calls in flight")
          .append("; remembers ")
          .append(states[keep].address());
    }
    return winner;
  }

  /** The fresh candidate: the next in turn, or one drawn by weight; it may be the remembered one. */
  private int fresh(int base, int n) {
    if (ends == null) {
      int b = (int) SLOTS.getOpaque(slots, base) + 1;
      if (b >= n) {
        b = 0;
      }
      SLOTS.setOpaque(slots, base, b);
      return b;
    }
    return StrategyImpl.search(ends, rng.nextLong(ends[n - 1]));
  }

  /**
   * {@link #load} of endpoint {@code i} with one more call, from {@code load} just computed without
   * it: one table step for the in-flight factor instead of a second key (an endpoint without a
   * sample yet, whose key is not a product, gets the second key).
   */
  private double oneMore(int i, double load, long nowNanos) {
    EndpointState s = states[i];
    int n = s.inFlight();
    if (n + 1 >= EndpointState.LN_1P.length || s.latencyEstimateNanos() == 0) {
      return load(i, nowNanos, 1);
    }
    return load + EndpointState.LN_1P[n + 1] - EndpointState.LN_1P[n];
  }

  /** Stall-aware peak-EWMA load key per unit of weight, with {@code extra} more calls. */
  private double load(int i, long nowNanos, int extra) {
    return states[i].loadKey(nowNanos, extra, true) - logWeights[i];
  }
}
