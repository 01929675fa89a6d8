package dev.lbclient.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The harness end to end in seconds: the smoke profile (two targets, one fork, one 100 ms
 * iteration) through JMH with {@code -prof gc}, then the JSON, table and chart. Checks that it
 * runs and reports, never how fast anything is.
 */
class PickSmokeTest {

  @Test
  void smokeProfile_writesJsonTableAndChart(@TempDir Path out) throws Exception {
    List<String> missing = PickRunner.run(PickRunner.profile("smoke"), out, VerboseMode.SILENT);

    assertThat(missing).isEmpty();
    var runs = JsonParser.parseString(Files.readString(out.resolve("jmh-picks.json")))
        .getAsJsonArray();
    assertThat(runs.size()).isEqualTo(2);
    assertThat(runs.get(0).getAsJsonObject().getAsJsonObject("secondaryMetrics")
        .has("gc.alloc.rate.norm")).isTrue();
    assertThat(Files.readString(out.resolve("jmh-picks.md")))
        .contains("| floor | 10 | equal | 1 |")
        .contains("| lbclient.picker.roundRobin | 10 | equal | 1 |");
    assertThat(Files.size(out.resolve("jmh-picks.png"))).isGreaterThan(1_000);
  }
}
