package dev.lbclient;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Prototype: round robin with one cursor per thread instead of one shared counter.
 *
 * <p>Each thread walks the endpoints in order from its own random start, so no cache line is
 * written by two threads. Fairness: each thread's own sequence is exact (every endpoint once per n
 * of its picks); over all threads, endpoint counts differ by at most the number of threads that
 * picked, however the picks interleave. The random start keeps threads (and freshly started
 * clients) from moving in lockstep onto the same endpoint.
 *
 * <p>Cost: a {@link ThreadLocal} lookup (a probe of the thread's map; a 16-byte cursor is
 * allocated once per thread per picker) and a plain increment, no atomic instruction and no
 * division. The cursor is per picker, so a new endpoint list starts new cursors; cursors of old
 * pickers are reclaimed with the picker (the map holds its keys weakly).
 */
final class ThreadLocalRoundRobinPicker extends Picker {
  private final ThreadLocal<Cursor> cursors;

  ThreadLocalRoundRobinPicker(EndpointState[] states) {
    super(states);
    int n = states.length;
    this.cursors = ThreadLocal.withInitial(() -> new Cursor(ThreadLocalRandom.current().nextInt(n)));
  }

  @Override
  EndpointState pick(RequestContext context, long nowNanos) {
    Cursor cursor = cursors.get();
    int i = cursor.next;
    cursor.next = i + 1 == states.length ? 0 : i + 1;
    return states[i];
  }

  /** Only its owning thread reads or writes it. */
  private static final class Cursor {
    int next;

    Cursor(int next) {
      this.next = next;
    }
  }
}
