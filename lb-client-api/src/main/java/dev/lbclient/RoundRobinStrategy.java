package dev.lbclient;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.random.RandomGenerator;

/** Plain round robin, on cursors striped by thread. */
final class RoundRobinStrategy extends StrategyImpl {
  static final RoundRobinStrategy INSTANCE = new RoundRobinStrategy();

  @Override
  public String name() {
    return "roundRobin";
  }

  @Override
  boolean honorsWeights() {
    return false;
  }

  /**
   * Configured weights are ignored (they arrive as all 1); they differ only while slow start
   * ramps an endpoint up, and then the weighted picker interleaves by the ramped shares.
   */
  @Override
  Picker newPicker(EndpointState[] states, int[] weights, PickerEnv env) {
    if (!allEqual(weights)) {
      return WeightedRoundRobinStrategy.INSTANCE.newPicker(states, weights, env);
    }
    return new RoundRobinPicker(states, env.rng);
  }

  /**
   * Round robin over a striped cursor, so that threads do not all hit one cache line.
   *
   * <p>There are S stripes (a power of two: 8 per CPU, at least 32, at most 64), each an {@code
   * int} cursor alone on its own 128 bytes (two cache lines, so the adjacent-line prefetcher does
   * not couple neighbours). A thread uses the stripe its id hashes to and advances that cursor with
   * a CAS that wraps at n: no division, no overflow. The stripes start at one random offset per
   * picker, so a fleet of fresh clients does not begin at the same endpoint.
   *
   * <p>Fairness: each stripe's sequence is exact (every endpoint once per n picks on it); over all
   * stripes, endpoint counts differ by at most the number of stripes in use. One thread alone is
   * exactly fair. Threads that share a stripe share its rotation correctly, and only they contend.
   * Measured with 2 threads at 100 endpoints: about a third of the cost of one shared counter.
   * Memory: S x 128 bytes per picker.
   */
  static final class RoundRobinPicker extends Picker {
    private static final VarHandle CURSORS = MethodHandles.arrayElementVarHandle(int[].class);
    /** Ints per stripe: 128 bytes. */
    private static final int STRIDE = 32;

    static final int STRIPES = stripes(Runtime.getRuntime().availableProcessors());

    private final int[] cursors;

    RoundRobinPicker(EndpointState[] states, RandomGenerator rng) {
      super(states);
      // One leading stripe of padding keeps stripe 0 off the array header's line.
      this.cursors = new int[(STRIPES + 1) * STRIDE];
      // One random start for all stripes: a thread's sequence then depends on the seed alone, not
      // on which stripe its id lands on (simulations stay reproducible).
      int start = rng.nextInt(states.length);
      for (int stripe = 0; stripe < STRIPES; stripe++) {
        cursors[index(stripe)] = start;
      }
    }

    static int stripes(int cpus) {
      int wanted = Math.min(64, Math.max(32, 8 * cpus));
      return Integer.highestOneBit(wanted - 1) << 1;
    }

    private static int index(int stripe) {
      return (stripe + 1) * STRIDE;
    }

    /** The calling thread's stripe, stable for its life. */
    static int stripe() {
      return (int) Hashing.mix(Thread.currentThread().getId()) & (STRIPES - 1);
    }

    @Override
    EndpointState pick(RequestContext context, long nowNanos) {
      int index = index(stripe());
      int n = states.length;
      for (;;) {
        int i = (int) CURSORS.getVolatile(cursors, index);
        int next = i + 1 == n ? 0 : i + 1;
        if (CURSORS.compareAndSet(cursors, index, i, next)) {
          return states[i];
        }
      }
    }
  }
}
