package dev.lbclient;

/**
 * A source of nanosecond time for latency, ejection and refresh timing; tests pass a fake one to
 * run on virtual time.
 *
 * <p>Implementations must be thread-safe and must not block.
 */
@FunctionalInterface
public interface Ticker {
  /** Nanoseconds from an arbitrary fixed origin, never decreasing. */
  long read();

  /** The JVM's monotonic clock, {@link System#nanoTime()}. */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }
}

enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long read() {
    return System.nanoTime();
  }
}
