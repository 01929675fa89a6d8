package dev.lbclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbclient.Strategy;
import io.grpc.NameResolver.ConfigOrError;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyConfigTest {

  static Stream<Strategy> strategies() {
    return Stream.of(Strategy.roundRobin(), Strategy.weightedRoundRobin(),
        Strategy.leastConnections(), Strategy.leastTime(), Strategy.powerOfTwoChoices(),
        Strategy.powerOfTwoChoices(Strategy.Load.IN_FLIGHT), Strategy.random(),
        Strategy.consistentHash(), Strategy.consistentHashWithBoundedLoad(1.25),
        Strategy.ipHash());
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void strategy_parsesItsOwnName(Strategy strategy) {
    PolicyConfig config = PolicyConfig.parse(Map.of("strategy", strategy.name()));

    assertThat(config.strategy).isNotNull();
    assertThat(config.strategy.name()).isEqualTo(strategy.name());
  }

  @Test
  void parse_empty_defaults() {
    assertThat(PolicyConfig.parse(Map.of())).isEqualTo(PolicyConfig.DEFAULTS);
    assertThat(PolicyConfig.DEFAULTS.strategy).isNull();
    assertThat(PolicyConfig.DEFAULTS.deadlineExceededIsFailure).isTrue();
  }

  @Test
  void parse_everyKey() {
    PolicyConfig config = PolicyConfig.parse(Map.of("strategy", "leastTime",
        "slowStart", "1.5s", "deadlineExceededIsFailure", false));

    assertThat(config.strategy).isSameAs(Strategy.leastTime());
    assertThat(config.slowStart).isEqualTo(Duration.ofMillis(1500));
    assertThat(config.deadlineExceededIsFailure).isFalse();
  }

  @Test
  void strategy_unknown() {
    assertThatThrownBy(() -> PolicyConfig.parse(Map.of("strategy", "fastest")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("strategy: 'fastest' (expected one of: roundRobin, weightedRoundRobin, "
            + "leastConnections, leastTime, powerOfTwoChoices, powerOfTwoChoices.inFlight, "
            + "consistentHash, ipHash, random, weightedByLoadReports, "
            + "consistentHash.boundedLoad(<factor > 1>))");
  }

  @Test
  void strategy_notAString() {
    assertThatThrownBy(() -> PolicyConfig.parse(Map.of("strategy", 1.0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("strategy: 1.0 (expected: a string)");
  }

  @Test
  void strategy_boundedLoadTooSmall_coreMessage() {
    assertThatThrownBy(() -> PolicyConfig.parse(
        Map.of("strategy", "consistentHash.boundedLoad(1.0)")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("loadFactor: 1.0 (expected: a finite number > 1, e.g. 1.25)");
  }

  @Test
  void slowStart_notADuration() {
    assertThatThrownBy(() -> PolicyConfig.parse(Map.of("slowStart", "30 seconds")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slowStart: '30 seconds' (expected: a duration in seconds, e.g. \"30s\")");
  }

  @Test
  void slowStart_tooShort_coreMessage() {
    assertThatThrownBy(() -> PolicyConfig.parse(Map.of("slowStart", "0.5s")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slowStart: PT0.5S (expected: PT1S..PT1H)");
  }

  @Test
  void deadlineExceededIsFailure_notABoolean() {
    assertThatThrownBy(() -> PolicyConfig.parse(Map.of("deadlineExceededIsFailure", "yes")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deadlineExceededIsFailure: 'yes' (expected: true or false)");
  }

  @Test
  void parse_unknownKey() {
    assertThatThrownBy(() -> PolicyConfig.parse(Map.of("strategie", "leastTime")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lbclient config: unknown key 'strategie' (expected: strategy, slowStart,"
            + " deadlineExceededIsFailure)");
  }

  @Test
  void provider_badConfig_errorStatus() {
    ConfigOrError result = new LbClientLoadBalancerProvider()
        .parseLoadBalancingPolicyConfig(Map.of("strategy", "fastest"));

    assertThat(result.getError()).isNotNull();
    assertThat(result.getError().getDescription()).startsWith(
        "invalid lbclient config: strategy: 'fastest' (expected one of: roundRobin,");
  }

  @Test
  void seconds_writesGrpcDurations() {
    assertThat(PolicyConfig.seconds(Duration.ofMillis(50))).isEqualTo("0.05s");
    assertThat(PolicyConfig.seconds(Duration.ofSeconds(10))).isEqualTo("10s");
    assertThat(PolicyConfig.seconds(Duration.ofNanos(1))).isEqualTo("0.000000001s");
    assertThat(PolicyConfig.seconds(Duration.ofMillis(1500))).isEqualTo("1.5s");
  }
}
