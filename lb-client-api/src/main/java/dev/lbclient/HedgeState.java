package dev.lbclient;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The {@link Hedging} of one load balancer: the hedging budget, the recent latency window and
 * the delay derived from it, recomputed at most every {@value #REFRESH_MILLIS} ms of ticker time.
 * Thread-safe, lock-free.
 */
final class HedgeState implements Hedging {
  /** Each half of the latency window: a percentile covers the last 5 to 10 seconds. */
  static final long WINDOW_NANOS = 5_000_000_000L;
  static final long REFRESH_MILLIS = 100;
  /** The allowance of later asks for a hedge, counted apart: this share of the budget. */
  static final double LATER_ASKS_SHARE = 0.2;

  private final HedgingPolicy policy;
  private final Ticker ticker;
  private final Timer timer;
  private final RetryBudgetState budget;
  private final LatencyWindow window;
  private final long fixedNanos;
  /** The percentile delay last computed (-1: too few samples) and when, as ticker readings. */
  private final AtomicLong cached = new AtomicLong(-1);
  private final AtomicLong cachedAt;
  private final LongAdder allowed = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder won = new LongAdder();

  HedgeState(HedgingPolicy policy, Ticker ticker, Timer timer) {
    this.policy = policy;
    this.ticker = ticker;
    this.timer = timer;
    this.budget = new RetryBudgetState(policy.budget(), ticker);
    this.window = new LatencyWindow(ticker, WINDOW_NANOS);
    this.fixedNanos = policy.delay() != null ? policy.delay().toNanos() : -1;
    this.cachedAt = new AtomicLong(ticker.read() - REFRESH_MILLIS * 1_000_000L);
  }

  @Override
  public HedgingPolicy policy() {
    return policy;
  }

  @Override
  public void onRequest() {
    budget.onRequest();
  }

  @Override
  public long delayNanos() {
    int p = policy.delayPercentile();
    if (p == 0) {
      return fixedNanos;
    }
    long now = ticker.read();
    long at = cachedAt.get();
    if (now - at >= REFRESH_MILLIS * 1_000_000L && cachedAt.compareAndSet(at, now)) {
      cached.set(window.percentileNanos(p, HedgingPolicy.MIN_SAMPLES));
    }
    long d = cached.get();
    return d >= 0 ? d : fixedNanos;
  }

  @Override
  public boolean tryHedge(int ask) {
    if (ask < 1) {
      throw new IllegalArgumentException("ask: " + ask + " (expected: >= 1)");
    }
    boolean ok = ask == 1 ? budget.tryRetry() : budget.tryRetryApart(LATER_ASKS_SHARE);
    (ok ? allowed : refused).increment();
    return ok;
  }

  @Override
  public long hedgesAllowed() {
    return allowed.sum();
  }

  @Override
  public long hedgesRefused() {
    return refused.sum();
  }

  @Override
  public void onHedgeWon() {
    won.increment();
  }

  @Override
  public long hedgesWon() {
    return won.sum();
  }

  @Override
  public void recordLatency(long nanos) {
    if (policy.delayPercentile() != 0) {
      window.record(nanos);
    }
  }

  @Override
  public Runnable schedule(Runnable task, long delayNanos) {
    Timer.Cancellable c = timer.schedule(task, delayNanos);
    return c::cancel;
  }

  @Override
  public String toString() {
    return policy + ", delay now " + delayNanos() + " ns";
  }
}
