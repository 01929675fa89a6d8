package dev.lbclient;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The running budget: one-second buckets over the ttl, each holding its second, its requests and
 * its retries. A retry is allowed while retries in the window < ratio x requests in the window +
 * minRetriesPerSecond x ttl. No locks; a bucket reused for a new second is reset by the thread that
 * wins a CAS on its stamp, so a count racing with that reset may be lost (the budget is a guard
 * rail, not an accounting ledger).
 */
final class RetryBudgetState implements RetryThrottle {
  private final RetryBudget budget;
  private final Ticker ticker;
  private final int buckets;
  private final double reserve;
  private final AtomicLongArray seconds;
  private final AtomicLongArray requests;
  private final AtomicLongArray retries;
  /** Retries counted apart ({@link #tryRetryApart}). */
  private final AtomicLongArray apart;

  RetryBudgetState(RetryBudget budget, Ticker ticker) {
    this.budget = budget;
    this.ticker = ticker;
    this.buckets = (int) Math.max(1, budget.ttl().toSeconds());
    this.reserve = (double) budget.minRetriesPerSecond() * buckets;
    this.seconds = new AtomicLongArray(buckets);
    this.requests = new AtomicLongArray(buckets);
    this.retries = new AtomicLongArray(buckets);
    this.apart = new AtomicLongArray(buckets);
    for (int i = 0; i < buckets; i++) {
      seconds.set(i, Long.MIN_VALUE);
    }
  }

  @Override
  public void onRequest() {
    if (!budget.isUnlimited()) {
      requests.incrementAndGet(bucket(Math.floorDiv(ticker.read(), 1_000_000_000L)));
    }
  }

  @Override
  public boolean tryRetry(Endpoint failed, int retry, Throwable cause) {
    return tryRetry();
  }

  @Override
  public boolean tryRetry() {
    return tryRetry(retries, 1.0);
  }

  /**
   * Takes one retry from a second allowance of {@code share} x the budget, counted apart from the
   * first: retries of one kind that must not wait for the other (hedges of calls stuck long past
   * the delay) take it, and never use up the first.
   */
  boolean tryRetryApart(double share) {
    return tryRetry(apart, share);
  }

  private boolean tryRetry(AtomicLongArray retries, double share) {
    if (budget.isUnlimited()) {
      return true;
    }
    long second = Math.floorDiv(ticker.read(), 1_000_000_000L);
    int current = bucket(second);
    long requestSum = 0;
    long retrySum = 0;
    for (int i = 0; i < buckets; i++) {
      long s = seconds.get(i);
      if (s > second - buckets && s <= second) {
        requestSum += requests.get(i);
        retrySum += retries.get(i);
      }
    }
    if (retrySum + 1 > share * (budget.ratio() * requestSum + reserve)) {
      return false;
    }
    retries.incrementAndGet(current);
    return true;
  }

  /** The bucket for this second, reset first if it still holds an older second. */
  private int bucket(long second) {
    int i = (int) Math.floorMod(second, (long) buckets);
    long stamp = seconds.get(i);
    if (stamp != second && seconds.compareAndSet(i, stamp, second)) {
      requests.set(i, 0);
      retries.set(i, 0);
      apart.set(i, 0);
    }
    return i;
  }

  @Override
  public String toString() {
    return budget.toString();
  }
}
