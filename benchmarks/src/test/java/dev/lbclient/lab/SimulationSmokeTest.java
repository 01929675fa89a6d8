package dev.lbclient.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the simulation in smoke mode (every scenario, 2 s of virtual time, the default strategy and
 * round robin) and checks what it writes.
 */
class SimulationSmokeTest {
  @TempDir
  static Path dir;

  private static List<String> first;
  private static List<String> again;

  @BeforeAll
  static void runTwice() throws Exception {
    Simulation.run("--smoke", "--out", dir.resolve("first").toString());
    Simulation.run("--smoke", "--no-charts", "--threads", "1",
        "--out", dir.resolve("again").toString());
    first = Files.readAllLines(dir.resolve("first").resolve(Simulation.CSV), StandardCharsets.UTF_8);
    again = Files.readAllLines(dir.resolve("again").resolve(Simulation.CSV), StandardCharsets.UTF_8);
  }

  @Test
  void csv_hasHeaderAndOneRowPerScenarioAndStrategy() {
    assertThat(first.get(0)).isEqualTo("scenario,strategy,requests,success_rate,p50_ms,p99_ms,p999_ms");
    List<String> keys = new ArrayList<>();
    for (String line : first.subList(1, first.size())) {
      String[] f = line.split(",");
      keys.add(f[0] + "/" + f[1]);
    }
    List<String> expected = new ArrayList<>();
    for (String scenario : Scenarios.NAMES) {
      expected.add(scenario + "/" + Contender.DEFAULT);
      expected.add(scenario + "/" + Contender.ROUND_ROBIN);
    }
    assertThat(keys).containsExactlyElementsOf(expected);
  }

  @Test
  void rows_successRateIsAShareAndPercentilesAreOrdered() {
    for (String line : first.subList(1, first.size())) {
      Row r = Row.parse(line);
      assertThat(r.requests).as(line).isPositive();
      assertThat(r.successRate).as(line).isBetween(0.0, 1.0);
      assertThat(r.p50).as(line).isPositive().isLessThanOrEqualTo(r.p99);
      assertThat(r.p99).as(line).isLessThanOrEqualTo(r.p999);
    }
  }

  @Test
  void slowNode_defaultStrategyHasALowerP99ThanRoundRobin() {
    Row p2c = row("slow-node", Contender.DEFAULT);
    Row rr = row("slow-node", Contender.ROUND_ROBIN);
    assertThat(p2c.p99).isLessThan(rr.p99);
    assertThat(p2c.successRate).isGreaterThanOrEqualTo(rr.successRate);
  }

  @Test
  void sameSeed_sameRows() {
    assertThat(again).isEqualTo(first);
  }

  @Test
  void otherSeed_otherRows() throws Exception {
    Path out = dir.resolve("other");
    Simulation.run("--smoke", "--no-charts", "--seed", "2", "--scenarios", "slow-node",
        "--out", out.toString());
    List<String> other = Files.readAllLines(out.resolve(Simulation.CSV), StandardCharsets.UTF_8);
    assertThat(other).hasSize(3);
    assertThat(other.get(1)).isNotEqualTo(first.get(1 + 2 * Scenarios.NAMES.indexOf("slow-node")));
  }

  @Test
  void charts_aCdfPerScenarioAndServerLoadForDefaultAndRoundRobin() throws IOException {
    Path out = dir.resolve("first");
    for (String scenario : Scenarios.NAMES) {
      assertPng(out.resolve("lab-sim-cdf-" + scenario + ".png"));
      assertPng(out.resolve("lab-sim-load-" + scenario + "-powerOfTwoChoices.png"));
      assertPng(out.resolve("lab-sim-load-" + scenario + "-roundRobin.png"));
    }
  }

  private static void assertPng(Path file) throws IOException {
    assertThat(file).exists();
    byte[] head = new byte[8];
    System.arraycopy(Files.readAllBytes(file), 0, head, 0, 8);
    assertThat(head).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
  }

  private static Row row(String scenario, String strategy) {
    for (String line : first) {
      if (line.startsWith(scenario + "," + strategy + ",")) {
        return Row.parse(line);
      }
    }
    throw new AssertionError("no row for " + scenario + "/" + strategy + " in " + first);
  }

  private static final class Row {
    long requests;
    double successRate;
    double p50;
    double p99;
    double p999;

    static Row parse(String line) {
      String[] f = line.split(",");
      assertThat(f).as(line).hasSize(7);
      Row r = new Row();
      r.requests = Long.parseLong(f[2]);
      r.successRate = Double.parseDouble(f[3]);
      r.p50 = Double.parseDouble(f[4]);
      r.p99 = Double.parseDouble(f[5]);
      r.p999 = Double.parseDouble(f[6]);
      return r;
    }
  }
}
