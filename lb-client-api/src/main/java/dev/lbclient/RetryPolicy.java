package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When and how {@link LoadBalancer#execute(EndpointCall)} retries.
 *
 * <ul>
 *   <li><b>maxAttempts</b> (default 3, the first included): attempts per call at most.
 *   <li><b>backoff</b> before retry n (n = 1, 2, ...): uniformly random in [0, min(initial x
 *       2^(n-1), max)] ("full jitter", as gRPC's A6); default initial 50 ms, max 1 s.
 *   <li><b>budget</b>: {@link RetryBudget#defaults()}, shared by all calls of the load balancer.
 *   <li><b>classifier</b>: which exceptions are failures and which are retryable; default {@link
 *       ExceptionClassifier#defaults()}.
 * </ul>
 *
 * <p>Each retry goes to an endpoint not tried yet in that call when one exists. Instances are
 * immutable and thread-safe.
 */
public final class RetryPolicy {
  private static final RetryPolicy DEFAULTS = builder().build();
  private static final RetryPolicy NONE = builder().maxAttempts(1).build();

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final RetryBudget budget;
  private final ExceptionClassifier classifier;

  private RetryPolicy(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.budget = b.budget;
    this.classifier = b.classifier;
  }

  /** The defaults above. */
  public static RetryPolicy defaults() {
    return DEFAULTS;
  }

  /** One attempt, never a retry. */
  public static RetryPolicy none() {
    return NONE;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Attempts per call at most, the first included. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The backoff cap before the first retry. */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /** The largest backoff cap. */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /** The retry budget. */
  public RetryBudget budget() {
    return budget;
  }

  /** The exception classifier. */
  public ExceptionClassifier classifier() {
    return classifier;
  }

  /** A random backoff before retry number {@code retry} (1 for the first retry), in nanoseconds. */
  public long backoffNanos(int retry) {
    if (retry < 1) {
      throw new IllegalArgumentException("retry: " + retry + " (expected: >= 1)");
    }
    long cap = initialBackoff.toNanos();
    for (int i = 1; i < retry && cap < maxBackoff.toNanos(); i++) {
      cap *= 2;
    }
    cap = Math.min(cap, maxBackoff.toNanos());
    return cap == 0 ? 0 : ThreadLocalRandom.current().nextLong(cap + 1);
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts=" + maxAttempts + ", backoff=" + initialBackoff + ".."
        + maxBackoff + ", " + budget + '}';
  }

  /**
   * Builds a {@link RetryPolicy}. Each setter checks its argument at once and may be called once
   * ({@link IllegalStateException} the second time). Not thread-safe.
   */
  public static final class Builder {
    private int maxAttempts = 3;
    private Duration initialBackoff = Duration.ofMillis(50);
    private Duration maxBackoff = Duration.ofSeconds(1);
    private RetryBudget budget = RetryBudget.defaults();
    private ExceptionClassifier classifier = ExceptionClassifier.defaults();
    private final SetOnce once = new SetOnce();

    private Builder() {}

    /**
     * Attempts per call at most, the first included; 1 means no retries.
     *
     * @throws IllegalArgumentException if outside 1..10
     */
    public Builder maxAttempts(int attempts) {
      if (attempts < 1 || attempts > 10) {
        throw new IllegalArgumentException("maxAttempts: " + attempts + " (expected: 1..10)");
      }
      once.check("maxAttempts", maxAttempts);
      this.maxAttempts = attempts;
      return this;
    }

    /**
     * Full-jitter exponential backoff between {@code initial} and {@code max}; zero durations
     * retry at once.
     *
     * @throws IllegalArgumentException if negative or initial > max
     */
    public Builder backoff(Duration initial, Duration max) {
      requireNonNull(initial, "initial");
      requireNonNull(max, "max");
      if (initial.isNegative()) {
        throw new IllegalArgumentException("initial backoff: " + initial + " (expected: >= 0)");
      }
      if (max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            "max backoff: " + max + " (expected: >= initial backoff " + initial + ")");
      }
      once.check("backoff", initialBackoff + ".." + maxBackoff);
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /** The retry budget. */
    public Builder budget(RetryBudget budget) {
      requireNonNull(budget, "budget");
      once.check("budget", this.budget);
      this.budget = budget;
      return this;
    }

    /** Which exceptions are failures and which are retryable. */
    public Builder classifier(ExceptionClassifier classifier) {
      requireNonNull(classifier, "classifier");
      once.check("classifier", this.classifier);
      this.classifier = classifier;
      return this;
    }

    /** Builds the policy. */
    public RetryPolicy build() {
      return new RetryPolicy(this);
    }
  }
}
