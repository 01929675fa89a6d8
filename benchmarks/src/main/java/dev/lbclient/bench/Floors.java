package dev.lbclient.bench;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floors each figure is read against: the least a shared round-robin pick can cost, and the
 * least a lease can cost on top of it.
 */
final class Floors {
  private Floors() {}

  /** {@code floor}: one {@code AtomicLong.getAndIncrement()} and an array index. */
  static PickTarget picker(Workload w) {
    return new PickerFloor(servers(w));
  }

  /**
   * {@code floor.lease}: the floor pick, then what a lease needs at the least: in-flight up, two
   * clock reads, a success counter, in-flight down. No EWMA, no lease object.
   */
  static PickTarget lease(Workload w) {
    return new LeaseFloor(servers(w));
  }

  private static String[] servers(Workload w) {
    String[] servers = new String[w.size()];
    for (int i = 0; i < servers.length; i++) {
      servers[i] = w.address(i);
    }
    return servers;
  }

  private static final class PickerFloor implements PickTarget {
    private final AtomicLong next = new AtomicLong();
    private final String[] servers;

    PickerFloor(String[] servers) {
      this.servers = servers;
    }

    @Override
    public Object pick(int seq) {
      return servers[(int) (next.getAndIncrement() % servers.length)];
    }
  }

  private static final class LeaseFloor implements PickTarget {
    private final AtomicLong next = new AtomicLong();
    private final String[] servers;
    private final AtomicInteger[] inFlight;
    private final AtomicLong[] successes;

    LeaseFloor(String[] servers) {
      this.servers = servers;
      this.inFlight = new AtomicInteger[servers.length];
      this.successes = new AtomicLong[servers.length];
      for (int i = 0; i < servers.length; i++) {
        inFlight[i] = new AtomicInteger();
        successes[i] = new AtomicLong();
      }
    }

    @Override
    public Object pick(int seq) {
      int i = (int) (next.getAndIncrement() % servers.length);
      inFlight[i].incrementAndGet();
      long start = System.nanoTime();
      long end = System.nanoTime();
      successes[i].incrementAndGet();
      inFlight[i].decrementAndGet();
      // Uses both clock reads (the JIT cannot know the clock is monotonic): nothing is dead code.
      return end - start >= 0 ? servers[i] : null;
    }
  }
}
