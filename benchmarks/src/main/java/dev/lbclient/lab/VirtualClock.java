package dev.lbclient.lab;

import dev.lbclient.Ticker;

/**
 * The simulation's clock, handed to every load balancer as its {@link Ticker}. Simulation code
 * works in nanoseconds since the start of the run; the ticker adds an arbitrary origin, as {@link
 * System#nanoTime()} does, so that nothing in the library may rely on time starting at zero.
 */
final class VirtualClock implements Ticker {
  static final long ORIGIN = 1_000_000_000_000L;

  private volatile long now;

  /** Nanoseconds since the start of the run. */
  long now() {
    return now;
  }

  void advanceTo(long nanos) {
    if (nanos < now) {
      throw new IllegalStateException("time goes backwards: " + nanos + " < " + now);
    }
    now = nanos;
  }

  @Override
  public long read() {
    return ORIGIN + now;
  }
}
