package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * Hedged requests ("The Tail at Scale", Dean and Barroso): when an idempotent call has not
 * answered after a delay, the same call is sent to another endpoint, and the first answer wins;
 * the others are cancelled and count as cancelled, neither as success nor as failure.
 *
 * <pre>{@code
 * LoadBalancer.builder("orders")
 *     .endpoints(source)
 *     .hedging(HedgingPolicy.builder().delayPercentile(95).maxAttempts(2).build());
 * }</pre>
 *
 * <ul>
 *   <li><b>delay</b>: a fixed {@link Builder#delay(Duration)}, or {@link
 *       Builder#delayPercentile(int)}: that percentile of the service's own recent successful
 *       attempt latencies (the last 5 to 10 seconds), once at least {@value #MIN_SAMPLES} were
 *       seen; before that the fixed delay if one was given, else no hedge. One is required.
 *   <li><b>maxAttempts</b> (default 2, the first included, at most 5 as in gRPC): each hedge goes
 *       to an endpoint not tried yet in that call; none is sent when there is none.
 *   <li><b>budget</b> (default 5% of requests over 10 seconds, no reserve, as Finagle's backup
 *       requests): hedges are extra load, so a service that slows down because it is overloaded is
 *       not hedged into collapse. A budget of its own, apart from the retry budget: retries of
 *       failures keep theirs. A call the budget refuses asks again once it has waited 4
 *       delays, then 8, 16...; those later asks draw on an allowance of a fifth of the budget,
 *       counted apart. The routine hedges of a p95 delay (about 5% of calls) use up the budget,
 *       and a call stuck on a server that stopped answering still gets its hedge: at most 6% of
 *       requests in all, by default.
 *   <li><b>executor</b>: where {@link LoadBalancer#execute(EndpointCall)} runs its attempts, as a
 *       synchronous call needs a thread per attempt; default a shared pool of at most {@value
 *       #DEFAULT_MAX_THREADS} daemon threads {@code lb-client-hedge-N} (when it is full a call
 *       runs on the caller's thread, unhedged). The OkHttp integration sends hedges on OkHttp's
 *       own dispatcher instead.
 * </ul>
 *
 * <p>Only for calls that are safe to send twice: {@code execute} hedges every call (give it
 * idempotent work only), the OkHttp interceptor only idempotent methods with replayable bodies.
 * Instances are immutable and thread-safe.
 */
public final class HedgingPolicy {
  /** Latencies the recent window must hold before {@link Builder#delayPercentile} applies. */
  public static final int MIN_SAMPLES = 100;
  static final int DEFAULT_MAX_THREADS = 64;
  private static final RetryBudget DEFAULT_BUDGET = RetryBudget.of(0.05, 0, Duration.ofSeconds(10));

  private final @Nullable Duration delay;
  private final int percentile;
  private final int maxAttempts;
  private final RetryBudget budget;
  private final @Nullable Executor executor;

  private HedgingPolicy(Builder b) {
    this.delay = b.delay;
    this.percentile = b.percentile;
    this.maxAttempts = b.maxAttempts;
    this.budget = b.budget;
    this.executor = b.executor;
  }

  /** A builder; a delay or a delay percentile is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The fixed delay, or {@code null} when only a percentile was given. */
  public @Nullable Duration delay() {
    return delay;
  }

  /** The percentile of recent latencies used as the delay, or 0 when none was given. */
  public int delayPercentile() {
    return percentile;
  }

  /** Attempts per call at most, the first included. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The hedging budget: hedges allowed per request, and the window. */
  public RetryBudget budget() {
    return budget;
  }

  /** The executor given, or {@code null} for the shared default. */
  public @Nullable Executor executor() {
    return executor;
  }

  @Override
  public String toString() {
    return "HedgingPolicy{delay=" + (percentile > 0 ? "p" + percentile
        + (delay != null ? " (" + delay + " until " + MIN_SAMPLES + " samples)" : "") : delay)
        + ", maxAttempts=" + maxAttempts + ", budget=" + budget + '}';
  }

  /**
   * Builds a {@link HedgingPolicy}. Each setter checks its argument at once and may be called once
   * ({@link IllegalStateException} the second time). Not thread-safe.
   */
  public static final class Builder {
    private @Nullable Duration delay;
    private int percentile;
    private int maxAttempts = 2;
    private RetryBudget budget = DEFAULT_BUDGET;
    private @Nullable Executor executor;
    private final SetOnce once = new SetOnce();

    private Builder() {}

    /**
     * A fixed delay before each hedge; with {@link #delayPercentile(int)} too, the delay used until
     * the percentile has enough samples.
     *
     * @throws IllegalArgumentException unless between 0 and 1 hour
     */
    public Builder delay(Duration delay) {
      requireNonNull(delay, "delay");
      if (delay.isNegative() || delay.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("delay: " + delay + " (expected: PT0S..PT1H)");
      }
      once.check("delay", this.delay);
      this.delay = delay;
      return this;
    }

    /**
     * The delay before each hedge is this percentile of the service's recent successful attempt
     * latencies (95: hedge the slowest 5%, as "The Tail at Scale" advises).
     *
     * @throws IllegalArgumentException if outside 50..99
     */
    public Builder delayPercentile(int percentile) {
      if (percentile < 50 || percentile > 99) {
        throw new IllegalArgumentException(
            "delayPercentile: " + percentile + " (expected: 50..99)");
      }
      once.check("delayPercentile", this.percentile);
      this.percentile = percentile;
      return this;
    }

    /**
     * Attempts per call at most, the first included.
     *
     * @throws IllegalArgumentException if outside 2..5
     */
    public Builder maxAttempts(int attempts) {
      if (attempts < 2 || attempts > 5) {
        throw new IllegalArgumentException("maxAttempts: " + attempts + " (expected: 2..5)");
      }
      once.check("maxAttempts", maxAttempts);
      this.maxAttempts = attempts;
      return this;
    }

    /** The hedging budget; default 5% of requests over 10 seconds. */
    public Builder budget(RetryBudget budget) {
      requireNonNull(budget, "budget");
      once.check("budget", this.budget);
      this.budget = budget;
      return this;
    }

    /**
     * Where {@link LoadBalancer#execute(EndpointCall)} runs hedged calls' attempts; it is not shut
     * down by the load balancer. A rejected first attempt runs on the caller's thread, unhedged; a
     * rejected hedge is not sent.
     */
    public Builder executor(Executor executor) {
      requireNonNull(executor, "executor");
      once.check("executor", this.executor);
      this.executor = executor;
      return this;
    }

    /**
     * Builds the policy.
     *
     * @throws IllegalStateException if neither a delay nor a delay percentile was given
     */
    public HedgingPolicy build() {
      if (delay == null && percentile == 0) {
        throw new IllegalStateException(
            "delay: not set (call delay(Duration) or delayPercentile(int) before build())");
      }
      return new HedgingPolicy(this);
    }
  }
}
