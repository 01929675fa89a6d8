package dev.lbclient.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every benchmark target can be built and picks, so a broken adapter fails the build, not a run. */
class TargetsTest {

  static Iterable<String> impls() {
    return Targets.all();
  }

  @ParameterizedTest
  @MethodSource("impls")
  void pick_everyTargetChoosesAmongTheEndpoints(String impl) {
    for (String weights : new String[] {"equal", "distinct"}) {
      Set<String> chosen = new HashSet<>();
      try (PickTarget target = Targets.create(impl, Workload.of(10, weights))) {
        for (int i = 0; i < 2_000; i++) {
          Object picked = target.pick(i);
          assertThat(picked).as(impl + " pick " + i).isNotNull();
          chosen.add(picked.toString());
        }
      }
      assertThat(chosen).as(impl + " with " + weights + " weights").isNotEmpty();
    }
  }

  @Test
  void create_unknownImpl() {
    assertThatThrownBy(() -> Targets.create("nginx.roundRobin", Workload.of(10, "equal")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nginx.roundRobin");
  }

  @Test
  void benchmarkParams_listEveryTarget() throws Exception {
    String[] declared = PickBenchmark.class.getField("impl")
        .getAnnotation(org.openjdk.jmh.annotations.Param.class).value();
    assertThat(declared).containsExactlyElementsOf(Targets.all());
  }
}
