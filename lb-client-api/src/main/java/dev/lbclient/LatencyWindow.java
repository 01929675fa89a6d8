package dev.lbclient;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The recent latency distribution of one service, for a percentile: log-linear buckets over two
 * alternating windows of {@code windowNanos}, so a percentile covers the last one to two windows.
 *
 * <p>Bucket math: a latency {@code v} in units of 1.024 us ({@code nanos >> 10}), if {@code v >=
 * 8}, falls in octave {@code k = floor(log2 v)} and, within it, in one of 8 equal sub-buckets (the 3 bits after the leading one); below 8
 * each unit has its own bucket. The bucket's upper bound is reported, so a percentile is at
 * most 12.5% high and never low. Up to 2^40 units (13 days) in {@value #BUCKETS} counters.
 *
 * <p>Lock-free and allocation-free: recording is one ticker read and one atomic increment; the
 * thread that moves the window on clears the older half (a count racing with that clear may be
 * lost, which a percentile can afford). Thread-safe.
 */
final class LatencyWindow {
  private static final int SUB_BITS = 3;
  private static final int SUB = 1 << SUB_BITS;
  private static final int MAX_OCTAVE = 40;
  static final int BUCKETS = (MAX_OCTAVE - SUB_BITS + 2) * SUB;

  private final Ticker ticker;
  private final long windowNanos;
  private final AtomicLongArray[] halves = {
      new AtomicLongArray(BUCKETS), new AtomicLongArray(BUCKETS)};
  /** The window number the current half holds. */
  private final AtomicLong epoch;

  LatencyWindow(Ticker ticker, long windowNanos) {
    this.ticker = ticker;
    this.windowNanos = windowNanos;
    this.epoch = new AtomicLong(Math.floorDiv(ticker.read(), windowNanos));
  }

  /** Records one latency. */
  void record(long nanos) {
    long e = rotate();
    halves[(int) (e & 1)].incrementAndGet(bucket(Math.max(0, nanos) >> 10));
  }

  /**
   * The {@code percentile} of the latencies of the current and the previous window, in
   * nanoseconds, or -1 if they hold fewer than {@code minSamples}.
   */
  long percentileNanos(int percentile, int minSamples) {
    rotate();
    AtomicLongArray a = halves[0];
    AtomicLongArray b = halves[1];
    long total = 0;
    for (int i = 0; i < BUCKETS; i++) {
      total += a.get(i) + b.get(i);
    }
    if (total < Math.max(1, minSamples)) {
      return -1;
    }
    // The smallest bucket whose cumulative count reaches percentile% of the total.
    long rank = (total * percentile + 99) / 100;
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += a.get(i) + b.get(i);
      if (seen >= rank) {
        return ((upperMicros(i) + 1) << 10) - 1;
      }
    }
    return ((upperMicros(BUCKETS - 1) + 1) << 10) - 1;
  }

  /** Moves to the window of now if needed, clearing what falls out; returns its number. */
  private long rotate() {
    long now = Math.floorDiv(ticker.read(), windowNanos);
    long e = epoch.get();
    while (now - e > 0) {
      if (epoch.compareAndSet(e, now)) {
        clear(halves[(int) (now & 1)]);
        if (now - e > 1) {
          clear(halves[(int) ((now - 1) & 1)]);
        }
        return now;
      }
      e = epoch.get();
    }
    return e;
  }

  private static void clear(AtomicLongArray a) {
    for (int i = 0; i < BUCKETS; i++) {
      a.set(i, 0);
    }
  }

  /** The bucket of {@code micros}. */
  static int bucket(long micros) {
    if (micros < SUB) {
      return (int) micros;
    }
    int octave = 63 - Long.numberOfLeadingZeros(micros);
    if (octave > MAX_OCTAVE) {
      return BUCKETS - 1;
    }
    int sub = (int) (micros >>> (octave - SUB_BITS)) & (SUB - 1);
    return (octave - SUB_BITS + 1) * SUB + sub;
  }

  /** The largest microsecond value of bucket {@code i}. */
  static long upperMicros(int i) {
    if (i < SUB) {
      return i;
    }
    int octave = i / SUB + SUB_BITS - 1;
    long sub = i % SUB;
    long width = 1L << (octave - SUB_BITS);
    return (1L << octave) + (sub + 1) * width - 1;
  }
}
