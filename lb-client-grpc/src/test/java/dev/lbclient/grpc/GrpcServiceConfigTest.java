package dev.lbclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbclient.RetryBudget;
import dev.lbclient.RetryPolicy;
import dev.lbclient.Strategy;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GrpcServiceConfigTest {

  @Test
  void retries_defaultPolicy_mapsToRetryPolicyAndThrottling() {
    Map<String, Object> config = GrpcServiceConfig.builder()
        .retries(RetryPolicy.defaults()).build();

    assertThat(config).isEqualTo(Map.of(
        "methodConfig", List.of(Map.of(
            "name", List.of(Map.of()),
            "retryPolicy", Map.of(
                "maxAttempts", 3.0,
                "initialBackoff", "0.05s",
                "maxBackoff", "1s",
                "backoffMultiplier", 2.0,
                "retryableStatusCodes", List.of("UNAVAILABLE")))),
        "retryThrottling", Map.of("maxTokens", 200.0, "tokenRatio", 0.2)));
  }

  @Test
  void retries_moreThanFiveAttempts_cappedAtFive() {
    Map<String, Object> config = GrpcServiceConfig.builder()
        .retries(RetryPolicy.builder().maxAttempts(10).build()).build();

    assertThat(retryPolicy(config)).containsEntry("maxAttempts", 5.0);
  }

  @Test
  void retries_oneAttempt_noRetryPolicy() {
    assertThat(GrpcServiceConfig.builder().retries(RetryPolicy.none()).build()).isEmpty();
  }

  @Test
  void retries_zeroBackoff_oneNanosecond() {
    Map<String, Object> config = GrpcServiceConfig.builder()
        .retries(RetryPolicy.builder().backoff(Duration.ZERO, Duration.ZERO).build()).build();

    assertThat(retryPolicy(config)).containsEntry("initialBackoff", "0.000000001s")
        .containsEntry("maxBackoff", "0.000000001s");
  }

  @Test
  void budget_mapsToTokens() {
    Map<String, Object> config = GrpcServiceConfig.builder().retries(RetryPolicy.defaults())
        .budget(RetryBudget.of(0.1, 5, Duration.ofSeconds(20))).build();

    assertThat(config.get("retryThrottling"))
        .isEqualTo(Map.of("maxTokens", 200.0, "tokenRatio", 0.1));
  }

  @Test
  void budget_tinyOrHuge_clampedToGrpcRange() {
    assertThat(GrpcServiceConfig.builder().retries(RetryPolicy.defaults())
        .budget(RetryBudget.of(0.0001, 0, Duration.ofSeconds(1))).build().get("retryThrottling"))
        .isEqualTo(Map.of("maxTokens", 1.0, "tokenRatio", 0.001));
    assertThat(GrpcServiceConfig.builder().retries(RetryPolicy.defaults())
        .budget(RetryBudget.of(0.5, 100, Duration.ofSeconds(60))).build().get("retryThrottling"))
        .isEqualTo(Map.of("maxTokens", 1000.0, "tokenRatio", 0.5));
  }

  @Test
  void budget_unlimited_noThrottling() {
    Map<String, Object> config = GrpcServiceConfig.builder()
        .retries(RetryPolicy.builder().budget(RetryBudget.unlimited()).build()).build();

    assertThat(config).containsOnlyKeys("methodConfig");
  }

  @Test
  void retryOn_replacesUnavailable() {
    Map<String, Object> config = GrpcServiceConfig.builder().retries(RetryPolicy.defaults())
        .retryOn(Status.Code.UNAVAILABLE, Status.Code.RESOURCE_EXHAUSTED).build();

    assertThat(retryPolicy(config)).containsEntry("retryableStatusCodes",
        List.of("UNAVAILABLE", "RESOURCE_EXHAUSTED"));
  }

  @Test
  void hedging_mapsToHedgingPolicyWithDefaultBudget() {
    Map<String, Object> config = GrpcServiceConfig.builder()
        .hedging(Duration.ofMillis(20), 3).build();

    assertThat(config).isEqualTo(Map.of(
        "methodConfig", List.of(Map.of(
            "name", List.of(Map.of()),
            "hedgingPolicy", Map.of(
                "maxAttempts", 3.0,
                "hedgingDelay", "0.02s",
                "nonFatalStatusCodes", List.of("UNAVAILABLE")))),
        "retryThrottling", Map.of("maxTokens", 200.0, "tokenRatio", 0.2)));
  }

  @Test
  void hedging_afterRetries() {
    GrpcServiceConfig.Builder builder = GrpcServiceConfig.builder().retries(RetryPolicy.defaults());

    assertThatThrownBy(() -> builder.hedging(Duration.ofMillis(20), 3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("hedging: retries were already set to RetryPolicy{maxAttempts=3,"
            + " backoff=PT0.05S..PT1S, RetryBudget{20% of requests + 10/s over PT10S}}"
            + " (a gRPC method config has a retryPolicy or a hedgingPolicy, not both)");
  }

  @Test
  void retries_afterHedging() {
    GrpcServiceConfig.Builder builder =
        GrpcServiceConfig.builder().hedging(Duration.ofMillis(20), 3);

    assertThatThrownBy(() -> builder.retries(RetryPolicy.defaults()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("retries: hedging was already set to 3 attempts after PT0.02S (a gRPC"
            + " method config has a retryPolicy or a hedgingPolicy, not both)");
  }

  @Test
  void retries_setTwice() {
    GrpcServiceConfig.Builder builder = GrpcServiceConfig.builder().retries(RetryPolicy.none());

    assertThatThrownBy(() -> builder.retries(RetryPolicy.defaults()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("retries was already set to RetryPolicy{maxAttempts=1,"
            + " backoff=PT0.05S..PT1S, RetryBudget{20% of requests + 10/s over PT10S}}");
  }

  @Test
  void hedging_tooManyAttempts() {
    assertThatThrownBy(() -> GrpcServiceConfig.builder().hedging(Duration.ofMillis(20), 6))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hedging maxAttempts: 6 (expected: 2..5, gRPC's cap)");
  }

  @Test
  void hedging_negativeDelay() {
    assertThatThrownBy(() -> GrpcServiceConfig.builder().hedging(Duration.ofMillis(-1), 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hedging delay: PT-0.001S (expected: >= 0)");
  }

  @Test
  void retryOn_ok() {
    assertThatThrownBy(() -> GrpcServiceConfig.builder().retryOn(Status.Code.OK))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retryOn: OK (expected: error codes)");
  }

  @Test
  void retryOn_empty() {
    assertThatThrownBy(() -> GrpcServiceConfig.builder().retryOn())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retryOn: [] (expected: at least one status code)");
  }

  @Test
  void slowStart_tooShort_coreMessage() {
    assertThatThrownBy(() -> GrpcServiceConfig.builder().slowStart(Duration.ofMillis(500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slowStart: PT0.5S (expected: PT1S..PT1H)");
  }

  @Test
  void policySettings_parseBackIntoThePolicyConfig() {
    Map<String, Object> config = GrpcServiceConfig.builder()
        .strategy(Strategy.consistentHashWithBoundedLoad(1.25))
        .slowStart(Duration.ofSeconds(30))
        .deadlineExceededIsFailure(false)
        .build();

    @SuppressWarnings("unchecked")
    Map<String, ?> lbclient = ((List<Map<String, Map<String, ?>>>)
        config.get("loadBalancingConfig")).get(0).get("lbclient");
    assertThat(lbclient).isEqualTo(Map.of("strategy", "consistentHash.boundedLoad(1.25)",
        "slowStart", "30s", "deadlineExceededIsFailure", false));
    assertThat(PolicyConfig.parse(lbclient)).isEqualTo(new PolicyConfig(
        Strategy.consistentHashWithBoundedLoad(1.25), Duration.ofSeconds(30), false));
  }

  @Test
  void build_isAcceptedByAGrpcChannel() {
    Map<String, Object> config = GrpcServiceConfig.builder().retries(RetryPolicy.defaults())
        .strategy(Strategy.leastTime()).build();

    ManagedChannel channel = ManagedChannelBuilder.forTarget("lbclient-static:///127.0.0.1:1")
        .usePlaintext().defaultServiceConfig(config).enableRetry().build();

    channel.shutdownNow();
  }

  @Test
  void build_isImmutable() {
    Map<String, Object> config = GrpcServiceConfig.builder().retries(RetryPolicy.defaults())
        .build();

    assertThatThrownBy(() -> config.put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> retryPolicy(config).put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> retryPolicy(Map<String, Object> config) {
    return (Map<String, Object>) ((List<Map<String, Object>>) config.get("methodConfig"))
        .get(0).get("retryPolicy");
  }
}
