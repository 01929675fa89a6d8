package dev.lbclient;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Prototype: round robin over a striped counter indexed by the calling thread.
 *
 * <p>There are S stripes (a power of two: 8 per CPU, at least 32, at most 64), each an {@code int}
 * cursor alone on its own 128 bytes (two cache lines, so the adjacent-line prefetcher does not
 * couple neighbours). A thread uses stripe {@code mix(threadId) & (S - 1)} and advances that cursor
 * by one with a CAS that wraps at n (no division). Each stripe starts at a random offset.
 *
 * <p>Fairness: each stripe's sequence is exact (every endpoint once per n picks on that stripe);
 * over all stripes, endpoint counts differ by at most the number of stripes in use. A thread that
 * has a stripe to itself, the usual case with few threads, is exactly fair on its own. Two threads
 * that hash to the same stripe share it correctly (the CAS), and only then contend.
 *
 * <p>Cost: an uncontended CAS on a line this thread owns, no thread-local lookup. Memory: S x 128
 * bytes per picker (4 KB at S = 32, 8 KB at S = 64). Two threads share a stripe with probability
 * 1/S.
 */
final class StripedRoundRobinPicker extends Picker {
  private static final VarHandle CURSORS = MethodHandles.arrayElementVarHandle(int[].class);
  /** Ints per stripe: 128 bytes. */
  private static final int STRIDE = 32;

  static final int STRIPES = stripes(Runtime.getRuntime().availableProcessors());

  private final int[] cursors;
  private final int mask;

  StripedRoundRobinPicker(EndpointState[] states, Rng rng) {
    super(states);
    this.mask = STRIPES - 1;
    // One leading stripe of padding, so stripe 0 does not share a line with the array header.
    this.cursors = new int[(STRIPES + 1) * STRIDE];
    for (int s = 0; s < STRIPES; s++) {
      cursors[index(s)] = rng.nextInt(states.length);
    }
  }

  static int stripes(int cpus) {
    int wanted = Math.min(64, Math.max(32, 8 * cpus));
    return Integer.highestOneBit(wanted - 1) << 1;
  }

  private static int index(int stripe) {
    return (stripe + 1) * STRIDE;
  }

  /** The stripe of the calling thread (stable for the thread's life). */
  int stripe() {
    return (int) Hashing.mix(Thread.currentThread().getId()) & mask;
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
