package dev.lbclient.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's scenario, small: what the README promises it shows. */
class DemoTest {

  @Test
  void demo_failingAndStoppedBackends_noCallFailsForTheCaller(@TempDir Path dir) throws Exception {
    Demo.Run roundRobin = Demo.run(Strategy.roundRobin(), 600, false);
    Demo.Run p2c = Demo.run(Strategy.powerOfTwoChoices(), 600, false);

    for (Demo.Run run : new Demo.Run[] {roundRobin, p2c}) {
      assertThat(run.callerFailures.sum()).as(run.strategy).isZero();
      assertThat(run.all.getTotalCount()).isEqualTo(600);
      String flaky = run.backends.get(3).endpoint.address();
      String stopped = run.backends.get(4).endpoint.address();
      assertThat(run.endpointFailures.get(flaky)).as("503s reached the flaky backend").isPositive();
      assertThat(run.endpointFailures.get(stopped)).as("the stopped one refused").isPositive();
      assertThat(run.served(stopped)).as("served only before it stopped").isLessThan(600 / 5 + 60);
    }
    String slowRr = roundRobin.backends.get(2).endpoint.address();
    String slowP2c = p2c.backends.get(2).endpoint.address();
    assertThat(p2c.served(slowP2c)).as("the default avoids the slow backend")
        .isLessThan(roundRobin.served(slowRr));

    Path chart = Demo.chart(Map.of("roundRobin", roundRobin.all, "powerOfTwoChoices", p2c.all), dir);
    assertThat(Files.size(chart)).isPositive();
  }
}
