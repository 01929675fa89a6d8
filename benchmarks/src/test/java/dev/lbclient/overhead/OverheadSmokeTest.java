package dev.lbclient.overhead;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the overhead harness for about a second per row and checks what it writes: the header and
 * one row per client and target with positive figures. The figures' values are never asserted:
 * the machine is shared.
 */
class OverheadSmokeTest {
  @TempDir
  Path dir;

  @Test
  void smoke_everyRowHasPositiveFigures() throws Exception {
    List<Overhead.Row> rows = Overhead.run("--smoke", "--warmup", "0.2", "--duration", "1",
        "--callers", "2", "--out", dir.toString());
    assertThat(rows).hasSize(5);

    List<String> lines = Files.readAllLines(dir.resolve(Overhead.CSV), StandardCharsets.UTF_8);
    assertThat(lines.get(0)).isEqualTo("client,target,requests_per_s,p50_us,p99_us");
    List<String> keys = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      assertThat(f).as(line).hasSize(5);
      keys.add(f[0] + "/" + f[1]);
      assertThat(Double.parseDouble(f[2])).as(line).isPositive();
      assertThat(Double.parseDouble(f[3])).as(line).isPositive();
      assertThat(Double.parseDouble(f[4])).as(line).isPositive();
    }
    assertThat(keys).containsExactly("okhttp/plain", "okhttp/lbclient", "grpc/plain",
        "grpc/round_robin", "grpc/lbclient");
  }

  @Test
  void median_oddAndEven() {
    assertThat(Overhead.median(new double[] {3, 1, 2})).isEqualTo(2.0);
    assertThat(Overhead.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
  }

  @Test
  void options_badValuesNamed() {
    assertThatThrownBy(() -> Overhead.Options.parse("--clients", "curl"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("curl");
    assertThatThrownBy(() -> Overhead.Options.parse("--repeats", "0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--repeats: 0");
  }
}
