package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the subsetting simulation on two small fleets and checks what it writes. */
class SubsettingSimTest {
  @TempDir
  static Path dir;

  private static List<String> first;
  private static List<String> again;

  @BeforeAll
  static void runTwice() throws Exception {
    String[] args = {"--shapes", "60x20x4,10x40x5", "--changes", "3"};
    SubsettingSim.run(concat(args, "--out", dir.resolve("first").toString()));
    SubsettingSim.run(concat(args, "--out", dir.resolve("again").toString()));
    first = Files.readAllLines(dir.resolve("first").resolve(SubsettingSim.CSV),
        StandardCharsets.UTF_8);
    again = Files.readAllLines(dir.resolve("again").resolve(SubsettingSim.CSV),
        StandardCharsets.UTF_8);
  }

  @Test
  void csv_headerAndOneRowPerAlgorithmAndShape() {
    assertThat(first.get(0)).isEqualTo("algorithm,clients,servers,subset,conn_max_over_mean,"
        + "load_max_over_mean,moved_pairs_on_add");
    List<String> keys = new ArrayList<>();
    first.subList(1, first.size()).forEach(line -> {
      String[] f = line.split(",");
      assertThat(f).as(line).hasSize(7);
      keys.add(f[0] + "/" + f[1] + "x" + f[2] + "x" + f[3]);
    });
    List<String> expected = new ArrayList<>();
    for (String shape : List.of("60x20x4", "10x40x5")) {
      SubsettingSim.ALGORITHMS.forEach(a -> expected.add(a + "/" + shape));
    }
    assertThat(keys).containsExactlyElementsOf(expected);
  }

  @Test
  void ring_balancedToWithinOneClient() {
    // 60 clients x 4 / 20 servers = 12 per server exactly.
    assertThat(row("ring", 60)).startsWith("ring,60,20,4,1.000,1.000,");
  }

  @Test
  void sreRounds_reshufflesOnAddWhileTheRingDoesNot() {
    long rounds = Long.parseLong(row("sre-rounds", 60).split(",")[6]);
    long ring = Long.parseLong(row("ring", 60).split(",")[6]);
    assertThat(ring).isLessThan(rounds);
    assertThat(ring).isLessThanOrEqualTo(60);
  }

  @Test
  void sameSeed_sameCsv() {
    assertThat(again).isEqualTo(first);
  }

  private static String row(String algorithm, int clients) {
    return first.stream().filter(l -> l.startsWith(algorithm + "," + clients + ","))
        .findFirst().orElseThrow();
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = new String[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
