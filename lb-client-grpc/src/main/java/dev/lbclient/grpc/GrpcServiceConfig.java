package dev.lbclient.grpc;

import static java.util.Objects.requireNonNull;

import dev.lbclient.LoadBalancer;
import dev.lbclient.RetryBudget;
import dev.lbclient.RetryPolicy;
import dev.lbclient.Strategy;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Builds a gRPC service config (the map {@code ManagedChannelBuilder.defaultServiceConfig} takes)
 * that sets up gRPC's own retries or hedging from lb-client settings, and optionally the {@value
 * GrpcLoadBalancing#POLICY_NAME} policy:
 *
 * <pre>{@code
 * ManagedChannel channel = GrpcLoadBalancing.channelFor(orders)
 *     .defaultServiceConfig(GrpcServiceConfig.builder().retries(orders.retryPolicy()).build())
 *     .enableRetry()
 *     .usePlaintext()
 *     .build();
 * }</pre>
 *
 * <p><b>How a {@link RetryPolicy} maps</b> (one method config for every method, {@code "name":
 * [{}]}):
 *
 * <ul>
 *   <li>{@code maxAttempts}: the policy's, capped at 5 as gRPC caps it; a policy of one attempt
 *       gives no {@code retryPolicy} at all.
 *   <li>{@code initialBackoff}, {@code maxBackoff}: the policy's (gRPC needs them above zero, so
 *       zero becomes 1 ns); {@code backoffMultiplier} 2. gRPC then waits a random time in [0,
 *       min(initial x 2^(n-1), max)] before retry n: the same full-jitter backoff as the core.
 *   <li>{@code retryableStatusCodes}: {@code UNAVAILABLE} unless {@link Builder#retryOn} says otherwise.
 * </ul>
 *
 * <p><b>How a {@link RetryBudget} maps to {@code retryThrottling}.</b> gRPC's throttle is a token
 * bucket per channel: it starts full at {@code maxTokens}, each failed attempt takes one token,
 * each success gives back {@code tokenRatio}, and retries (and hedges) stop while it holds half or
 * less. So {@code tokenRatio} = the budget's ratio (three decimals, at least 0.001): retries keep
 * flowing while failures stay below that share of successes, as with the core's "20% of
 * requests". And {@code maxTokens} = 2 x minRetriesPerSecond x ttl (in seconds), clamped to 1..1000:
 * the bucket's usable half equals the core's reserve of one window (200 for the default budget,
 * 10/s x 10 s x 2). It is an approximation: gRPC's bucket refills only with successes, not with
 * time, so in a total outage retries stop after about maxTokens / 2 failed attempts and resume
 * once calls succeed, while the core keeps allowing minRetriesPerSecond; and the bucket belongs to
 * the channel, not to the load balancer. An unlimited budget gives no {@code retryThrottling}.
 *
 * <p>The built map is immutable. The builder is not thread-safe: use one builder from one thread.
 */
public final class GrpcServiceConfig {
  private GrpcServiceConfig() {}

  /** A builder with nothing set: its {@link Builder#build()} is an empty service config. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Configures a service config. Each setter checks its argument at once and may be called once.
   * Not thread-safe.
   */
  public static final class Builder {
    private @Nullable RetryPolicy retries;
    private @Nullable Duration hedgingDelay;
    private int hedgingAttempts;
    private @Nullable RetryBudget budget;
    private @Nullable List<Status.Code> retryOn;
    private @Nullable Strategy strategy;
    private @Nullable Duration slowStart;
    private @Nullable Boolean deadlineExceededIsFailure;

    private Builder() {}

    /**
     * gRPC retries from this policy, throttled by its budget (see the class comment). Excludes
     * {@link #hedging}.
     */
    public Builder retries(RetryPolicy policy) {
      requireNonNull(policy, "policy");
      checkUnset("retries", retries);
      if (hedgingDelay != null) {
        throw new IllegalStateException("retries: hedging was already set to " + hedgingAttempts
            + " attempts after " + hedgingDelay + " (a gRPC method config has a retryPolicy or a"
            + " hedgingPolicy, not both)");
      }
      this.retries = policy;
      return this;
    }

    /**
     * gRPC hedging: up to {@code maxAttempts} copies of each call, one more every {@code delay}
     * until one answers (a delay near the p95 latency costs about 5% extra load). Throttled by
     * {@link #budget} or else {@link RetryBudget#defaults()}. Only for idempotent methods.
     * Excludes {@link #retries}.
     *
     * @throws IllegalArgumentException if delay is negative or maxAttempts outside 2..5
     */
    public Builder hedging(Duration delay, int maxAttempts) {
      requireNonNull(delay, "delay");
      checkUnset("hedging", hedgingDelay);
      if (retries != null) {
        throw new IllegalStateException("hedging: retries were already set to " + retries
            + " (a gRPC method config has a retryPolicy or a hedgingPolicy, not both)");
      }
      if (delay.isNegative()) {
        throw new IllegalArgumentException("hedging delay: " + delay + " (expected: >= 0)");
      }
      if (maxAttempts < 2 || maxAttempts > 5) {
        throw new IllegalArgumentException(
            "hedging maxAttempts: " + maxAttempts + " (expected: 2..5, gRPC's cap)");
      }
      this.hedgingDelay = delay;
      this.hedgingAttempts = maxAttempts;
      return this;
    }

    /** The budget mapped to {@code retryThrottling}; default the retry policy's own. */
    public Builder budget(RetryBudget budget) {
      requireNonNull(budget, "budget");
      checkUnset("budget", this.budget);
      this.budget = budget;
      return this;
    }

    /**
     * The status codes that are retried (or, with hedging, that do not stop the other copies);
     * default {@code UNAVAILABLE}.
     *
     * @throws IllegalArgumentException if empty or {@code OK} is among them
     */
    public Builder retryOn(Status.Code... codes) {
      requireNonNull(codes, "codes");
      checkUnset("retryOn", retryOn);
      if (codes.length == 0) {
        throw new IllegalArgumentException("retryOn: [] (expected: at least one status code)");
      }
      for (int i = 0; i < codes.length; i++) {
        if (requireNonNull(codes[i], "codes[" + i + "]") == Status.Code.OK) {
          throw new IllegalArgumentException("retryOn: OK (expected: error codes)");
        }
      }
      this.retryOn = List.copyOf(Arrays.asList(codes));
      return this;
    }

    /** The {@code lbclient} policy's strategy, for channels not built by {@code channelFor}. */
    public Builder strategy(Strategy strategy) {
      requireNonNull(strategy, "strategy");
      checkUnset("strategy", this.strategy);
      this.strategy = strategy;
      return this;
    }

    /**
     * The {@code lbclient} policy's slow start, for channels not built by {@code channelFor}.
     *
     * @throws IllegalArgumentException unless between 1 second and 1 hour
     */
    public Builder slowStart(Duration window) {
      requireNonNull(window, "window");
      checkUnset("slowStart", slowStart);
      LoadBalancer.builder("config").slowStart(window); // the core's range check and message
      this.slowStart = window;
      return this;
    }

    /** Whether {@code DEADLINE_EXCEEDED} counts as the endpoint's failure; default true. */
    public Builder deadlineExceededIsFailure(boolean failure) {
      checkUnset("deadlineExceededIsFailure", deadlineExceededIsFailure);
      this.deadlineExceededIsFailure = failure;
      return this;
    }

    /** The service config, as an immutable map of the JSON types gRPC expects. */
    public Map<String, Object> build() {
      Map<String, Object> config = new LinkedHashMap<>();
      if (strategy != null || slowStart != null || deadlineExceededIsFailure != null) {
        Map<String, Object> policy = new LinkedHashMap<>();
        if (strategy != null) {
          policy.put(PolicyConfig.STRATEGY, strategy.name());
        }
        if (slowStart != null) {
          policy.put(PolicyConfig.SLOW_START, PolicyConfig.seconds(slowStart));
        }
        if (deadlineExceededIsFailure != null) {
          policy.put(PolicyConfig.DEADLINE_EXCEEDED_IS_FAILURE, deadlineExceededIsFailure);
        }
        config.put("loadBalancingConfig",
            List.of(Map.of(GrpcLoadBalancing.POLICY_NAME, Collections.unmodifiableMap(policy))));
      }
      List<String> codes = new ArrayList<>();
      for (Status.Code c : retryOn != null ? retryOn : List.of(Status.Code.UNAVAILABLE)) {
        codes.add(c.name());
      }
      Map<String, Object> method = new LinkedHashMap<>();
      method.put("name", List.of(Map.of()));
      RetryBudget throttle = null;
      if (retries != null && retries.maxAttempts() > 1) {
        Map<String, Object> retry = new LinkedHashMap<>();
        retry.put("maxAttempts", (double) Math.min(5, retries.maxAttempts()));
        retry.put("initialBackoff", PolicyConfig.seconds(atLeastOneNano(retries.initialBackoff())));
        retry.put("maxBackoff", PolicyConfig.seconds(atLeastOneNano(retries.maxBackoff())));
        retry.put("backoffMultiplier", 2.0);
        retry.put("retryableStatusCodes", List.copyOf(codes));
        method.put("retryPolicy", Collections.unmodifiableMap(retry));
        throttle = budget != null ? budget : retries.budget();
      }
      if (hedgingDelay != null) {
        Map<String, Object> hedge = new LinkedHashMap<>();
        hedge.put("maxAttempts", (double) hedgingAttempts);
        hedge.put("hedgingDelay", PolicyConfig.seconds(hedgingDelay));
        hedge.put("nonFatalStatusCodes", List.copyOf(codes));
        method.put("hedgingPolicy", Collections.unmodifiableMap(hedge));
        throttle = budget != null ? budget : RetryBudget.defaults();
      }
      if (method.size() > 1) {
        config.put("methodConfig", List.of(Collections.unmodifiableMap(method)));
      }
      if (throttle != null && !Double.isInfinite(throttle.ratio())) {
        config.put("retryThrottling", throttling(throttle));
      }
      return Collections.unmodifiableMap(config);
    }

    private static Map<String, Object> throttling(RetryBudget budget) {
      double ttlSeconds = budget.ttl().toMillis() / 1000.0;
      double maxTokens = Math.max(1, Math.min(1000,
          Math.round(2 * budget.minRetriesPerSecond() * ttlSeconds)));
      double tokenRatio = Math.max(0.001, Math.round(budget.ratio() * 1000) / 1000.0);
      Map<String, Object> throttling = new LinkedHashMap<>();
      throttling.put("maxTokens", maxTokens);
      throttling.put("tokenRatio", tokenRatio);
      return Collections.unmodifiableMap(throttling);
    }

    private static Duration atLeastOneNano(Duration d) {
      return d.isZero() ? Duration.ofNanos(1) : d;
    }

    private static void checkUnset(String setting, @Nullable Object current) {
      if (current != null) {
        throw new IllegalStateException(setting + " was already set to " + current);
      }
    }
  }
}
