package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link Strategy#parse(String)} and {@link Strategy#name()} round-trip for every strategy. */
class StrategyParseTest {

  static Stream<Strategy> strategies() {
    return Stream.of(Strategy.roundRobin(), Strategy.weightedRoundRobin(),
        Strategy.leastConnections(), Strategy.leastTime(), Strategy.powerOfTwoChoices(),
        Strategy.powerOfTwoChoices(Strategy.Load.IN_FLIGHT), Strategy.consistentHash(),
        Strategy.consistentHashWithBoundedLoad(1.25), Strategy.consistentHashWithBoundedLoad(2.0),
        Strategy.ipHash(), Strategy.random(), Strategy.weightedByLoadReports());
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void parse_nameRoundTrips(Strategy strategy) {
    Strategy parsed = Strategy.parse(strategy.name());

    assertThat(parsed.name()).isEqualTo(strategy.name());
    assertThat(parsed.getClass()).isEqualTo(strategy.getClass());
  }

  @Test
  void parse_knownNames() {
    assertThat(Strategy.parse("leastTime")).isSameAs(Strategy.leastTime());
    assertThat(Strategy.parse("  powerOfTwoChoices.inFlight "))
        .isSameAs(Strategy.powerOfTwoChoices(Strategy.Load.IN_FLIGHT));
    assertThat(Strategy.parse("consistentHash.boundedLoad(1.25)").name())
        .isEqualTo("consistentHash.boundedLoad(1.25)");
  }

  @Test
  void parse_unknown_namesEveryAcceptedForm() {
    assertThatThrownBy(() -> Strategy.parse("fastest"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("strategy: 'fastest' (expected one of: roundRobin, weightedRoundRobin, "
            + "leastConnections, leastTime, powerOfTwoChoices, powerOfTwoChoices.inFlight, "
            + "consistentHash, ipHash, random, weightedByLoadReports, "
            + "consistentHash.boundedLoad(<factor > 1>))");
    assertThatThrownBy(() -> Strategy.parse("LeastTime"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("strategy: 'LeastTime' (expected one of: ");
  }

  @Test
  void parse_boundedLoad_badFactor() {
    assertThatThrownBy(() -> Strategy.parse("consistentHash.boundedLoad(0.5)"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("loadFactor: 0.5 (expected: a finite number > 1, e.g. 1.25)");
    assertThatThrownBy(() -> Strategy.parse("consistentHash.boundedLoad(x)"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("strategy: 'consistentHash.boundedLoad(x)' (expected one of: ");
  }
}
