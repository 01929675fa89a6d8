package dev.lbclient;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Hands outcomes to an endpoint's Resilience4j circuit breaker, leaving out the ones that cannot
 * change it.
 *
 * <p>A count-based window of n calls that holds n fast successes is unchanged by one more: the
 * failure rate stays 0, the slow-call rate 0, the buffered count n, and a CLOSED breaker stays
 * CLOSED. (Only the window's sum of durations would move; no decision reads it, and this library
 * does not expose it.) Recording it anyway costs Resilience4j's lock-free window a copy of its state (about 200
 * bytes) and a contended CAS. So each endpoint keeps one word, {@link EndpointState#breakerMark},
 * that counts the fast successes recorded into the breaker's current CLOSED window since the last
 * other outcome; once it reaches n, further fast successes are not recorded while the breaker is
 * CLOSED. The word stops changing then too: a healthy endpoint's completions only read it.
 *
 * <p>Why a left-out success is exact, and not only close. The word packs a count, a generation and
 * the number of other outcomes (failures, slow successes) being recorded right now. Such an outcome
 * raises that number before it reaches the breaker, and after it lowers it and starts a new
 * generation with a count of zero. A fast success is counted only if the generation did not change
 * and nothing else was being recorded both when it read the word (before recording, with the
 * breaker CLOSED) and when it adds itself. So a count of n read with nothing in progress means: the
 * breaker has received only fast successes since the last other outcome was recorded, at least n
 * of them, all into its current CLOSED window (opening the breaker takes an other outcome, which
 * starts a new generation; successes recorded outside CLOSED are not counted). Its window is full of
 * fast successes at that instant, and the left-out success takes effect there, as a no-op. Another
 * outcome recorded concurrently is ordered after it, as it could have been anyway.
 *
 * <p>Time-based windows age their contents, so there every outcome is recorded. Outcomes are
 * recorded only for leases that hold a permission, as before; cancellations are not outcomes.
 */
final class BreakerRecorder {
  private static final VarHandle MARK;

  static {
    try {
      MARK = MethodHandles.lookup().findVarHandle(EndpointState.class, "breakerMark", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  // The mark: bits 0-23 the count, 24-47 the generation, 48-63 the other outcomes in progress.
  private static final long COUNT_MASK = (1L << 24) - 1;
  private static final int GEN_SHIFT = 24;
  private static final long GEN_MASK = ((1L << 24) - 1) << GEN_SHIFT;
  private static final int BUSY_SHIFT = 48;
  private static final long BUSY_ONE = 1L << BUSY_SHIFT;

  /** The count-based window's size, or 0 when every outcome is recorded. */
  private final int fullWindow;
  /** A success this slow or slower is a slow call to the breaker. */
  private final long slowCallNanos;

  BreakerRecorder(@Nullable CircuitBreakerConfig config) {
    if (config == null) {
      this.fullWindow = 0;
      this.slowCallNanos = Long.MAX_VALUE;
    } else {
      int size = config.getSlidingWindowSize();
      this.fullWindow =
          config.getSlidingWindowType() == SlidingWindowType.COUNT_BASED && size <= COUNT_MASK
              ? size : 0;
      this.slowCallNanos = config.getSlowCallDurationThreshold().toNanos();
    }
  }

  /** Records a success of {@code latencyNanos} on {@code s}'s breaker {@code b}, if it can matter. */
  void success(EndpointState s, CircuitBreaker b, long latencyNanos) {
    if (fullWindow == 0 || latencyNanos >= slowCallNanos) {
      other(s, b, latencyNanos, null);
      return;
    }
    long mark = (long) MARK.getVolatile(s);
    boolean closed = b.getState() == CircuitBreaker.State.CLOSED;
    boolean quiet = (mark >>> BUSY_SHIFT) == 0;
    if (closed && quiet && (mark & COUNT_MASK) >= fullWindow) {
      return;
    }
    b.onSuccess(latencyNanos, TimeUnit.NANOSECONDS);
    if (!closed || !quiet) {
      return;
    }
    for (;;) {
      long now = (long) MARK.getVolatile(s);
      if ((now & ~COUNT_MASK) != (mark & ~COUNT_MASK) || (now & COUNT_MASK) >= fullWindow
          || MARK.compareAndSet(s, now, now + 1)) {
        return;
      }
    }
  }

  /** Records a failure on {@code s}'s breaker {@code b}. */
  void failure(EndpointState s, CircuitBreaker b, long latencyNanos, Throwable cause) {
    other(s, b, latencyNanos, cause);
  }

  /** A failure ({@code cause} not null) or a success that must be recorded. */
  private void other(EndpointState s, CircuitBreaker b, long latencyNanos,
      @Nullable Throwable cause) {
    if (fullWindow == 0) {
      record(b, latencyNanos, cause);
      return;
    }
    MARK.getAndAdd(s, BUSY_ONE);
    try {
      record(b, latencyNanos, cause);
    } finally {
      for (;;) {
        long now = (long) MARK.getVolatile(s);
        long next = (now - BUSY_ONE) & ~(GEN_MASK | COUNT_MASK)
            | ((now & GEN_MASK) + (1L << GEN_SHIFT)) & GEN_MASK;
        if (MARK.compareAndSet(s, now, next)) {
          break;
        }
      }
    }
  }

  private static void record(CircuitBreaker b, long latencyNanos, @Nullable Throwable cause) {
    if (cause == null) {
      b.onSuccess(latencyNanos, TimeUnit.NANOSECONDS);
    } else {
      b.onError(latencyNanos, TimeUnit.NANOSECONDS, cause);
    }
  }
}
