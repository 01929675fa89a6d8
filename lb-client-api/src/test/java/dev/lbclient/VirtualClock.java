package dev.lbclient;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** Virtual time for tests: a ticker that only moves when told, and a sleeper that moves it. */
final class VirtualClock implements Ticker, Sleeper {
  private final AtomicLong nanos = new AtomicLong();

  @Override
  public long read() {
    return nanos.get();
  }

  @Override
  public void sleepNanos(long duration) {
    nanos.addAndGet(duration);
  }

  void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  void advanceMillis(long millis) {
    nanos.addAndGet(millis * 1_000_000L);
  }

  /** Sets the time to {@code millis} after the origin. */
  void setMillis(long millis) {
    nanos.set(millis * 1_000_000L);
  }
}
