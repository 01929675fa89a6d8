package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How many retries a load balancer may send, as in Finagle and Linkerd: within any window of
 * {@code ttl}, retries may reach {@code ratio} x the requests made in that window plus a reserve of
 * {@code minRetriesPerSecond} x ttl. The default is 20% plus 10 per second over 10 seconds, so a
 * total outage costs at most about 1.2 attempts per request once traffic exceeds the reserve,
 * instead of a retry storm.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class RetryBudget {
  private static final RetryBudget DEFAULTS = new RetryBudget(0.2, 10, Duration.ofSeconds(10));
  private static final RetryBudget UNLIMITED =
      new RetryBudget(Double.POSITIVE_INFINITY, Integer.MAX_VALUE, Duration.ofSeconds(1));

  private final double ratio;
  private final int minRetriesPerSecond;
  private final Duration ttl;

  private RetryBudget(double ratio, int minRetriesPerSecond, Duration ttl) {
    this.ratio = ratio;
    this.minRetriesPerSecond = minRetriesPerSecond;
    this.ttl = ttl;
  }

  /** 20% of requests plus 10 retries per second, over a 10 second window. */
  public static RetryBudget defaults() {
    return DEFAULTS;
  }

  /** No limit: every retry the policy allows is sent. Use with care. */
  public static RetryBudget unlimited() {
    return UNLIMITED;
  }

  /**
   * A budget of {@code ratio} x requests + {@code minRetriesPerSecond} x ttl retries per window.
   *
   * @throws IllegalArgumentException if ratio is outside 0..1000, minRetriesPerSecond negative,
   *     or ttl outside 1 s..60 s (Finagle's range)
   */
  public static RetryBudget of(double ratio, int minRetriesPerSecond, Duration ttl) {
    requireNonNull(ttl, "ttl");
    if (!(ratio >= 0 && ratio <= 1000)) {
      throw new IllegalArgumentException("ratio: " + ratio + " (expected: 0..1000, e.g. 0.2)");
    }
    if (minRetriesPerSecond < 0) {
      throw new IllegalArgumentException(
          "minRetriesPerSecond: " + minRetriesPerSecond + " (expected: >= 0)");
    }
    if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofSeconds(60)) > 0) {
      throw new IllegalArgumentException("ttl: " + ttl + " (expected: PT1S..PT1M)");
    }
    return new RetryBudget(ratio, minRetriesPerSecond, ttl);
  }

  /** Retries allowed per request. */
  public double ratio() {
    return ratio;
  }

  /** The floor of retries allowed per second, whatever the traffic. */
  public int minRetriesPerSecond() {
    return minRetriesPerSecond;
  }

  /** The window over which requests and retries are counted. */
  public Duration ttl() {
    return ttl;
  }

  boolean isUnlimited() {
    return this == UNLIMITED;
  }

  @Override
  public String toString() {
    return isUnlimited()
        ? "RetryBudget{unlimited}"
        : "RetryBudget{" + Math.round(ratio * 100) + "% of requests + " + minRetriesPerSecond
            + "/s over " + ttl + '}';
  }
}
