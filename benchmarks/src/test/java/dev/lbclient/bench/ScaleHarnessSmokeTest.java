package dev.lbclient.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scale harness end to end on tiny pools, in this JVM: it runs and writes its CSVs. Checks the
 * header and one row per strategy and size, never how fast or how small anything is.
 */
class ScaleHarnessSmokeTest {

  @Test
  void tinyRun_writesHeaderAndOneRowPerStrategyAndSize(@TempDir Path out) throws Exception {
    ScaleHarness.run(ScaleHarness.Options.parse("--in-process", "--sizes", "5,20",
        "--updates", "2", "--warmup", "1", "--replacements", "3", "--replacement-size", "50",
        "--out", out.toString()));

    List<String> lines = Files.readAllLines(out.resolve(ScaleHarness.CSV), StandardCharsets.UTF_8);
    assertThat(lines.get(0))
        .isEqualTo("strategy,endpoints,update_ms_p50,update_ms_max,bytes_per_endpoint");
    assertThat(lines).hasSize(1 + ScaleHarness.STRATEGIES.size() * 2);
    List<String> keys = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      assertThat(f).as(line).hasSize(5);
      Double.parseDouble(f[2]);
      Double.parseDouble(f[3]);
      Double.parseDouble(f[4]);
      keys.add(f[0] + "/" + f[1]);
    }
    List<String> expected = new ArrayList<>();
    for (String s : ScaleHarness.STRATEGIES) {
      expected.add(s + "/5");
      expected.add(s + "/20");
    }
    assertThat(keys).containsExactlyElementsOf(expected);
    assertThat(Files.readAllLines(out.resolve(ScaleHarness.REPLACEMENT_CSV),
        StandardCharsets.UTF_8)).hasSize(2).first().isEqualTo(ScaleHarness.REPLACEMENT_HEADER);
  }

  @Test
  void strategiesOption_keepsTheBoundedLoadFactorWhole() {
    ScaleHarness.Options o = ScaleHarness.Options.parse("--strategies",
        "random,consistentHash.boundedLoad(1.25),ipHash");

    assertThat(o.strategies).containsExactly("random", "consistentHash.boundedLoad(1.25)",
        "ipHash");
  }
}
