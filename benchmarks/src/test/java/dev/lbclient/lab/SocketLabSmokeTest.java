package dev.lbclient.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real-socket lab in smoke mode (slow-node, 0.3 s warm-up + 1 s per target, a quarter
 * of the rate) and checks what it writes. No timing assertions: the machine is shared.
 */
class SocketLabSmokeTest {
  @TempDir
  Path dir;

  @Test
  void directAndTwoStrategies_oneRowEach() throws Exception {
    List<String> targets = List.of(SocketLab.DIRECT, "lbclient.powerOfTwoChoices",
        "lbclient.roundRobin");
    List<String> lines = smoke(targets);
    assertRows(lines, targets);
    assertPng(dir.resolve("lab-sockets-cdf-slow-node.png"));
  }

  @Test
  void oracle_spreadsOverEveryBackend_andCountsWhatArrived() throws Exception {
    List<SocketLab.Row> rows = SocketLab.run("--smoke", "--targets", SocketLab.ORACLE,
        "--out", dir.toString());
    assertThat(rows).hasSize(1);
    SocketLab.Row row = rows.get(0);
    assertThat(row.target()).isEqualTo(SocketLab.ORACLE);
    // Shortest queue first: every backend of the pool serves, the slow b0 (whose calls stay ten
    // times longer) less than the others on average.
    long[] served = row.served();
    assertThat(served).hasSize(5);
    assertThat(Arrays.stream(served).min().orElse(0)).as(Arrays.toString(served)).isPositive();
    long others = served[1] + served[2] + served[3] + served[4];
    assertThat(served[0] * 4).as("b0 x 4 against the other four, %s", Arrays.toString(served))
        .isLessThan(others);
    assertRows(Files.readAllLines(dir.resolve(SocketLab.CSV), StandardCharsets.UTF_8),
        List.of(SocketLab.ORACLE));
  }

  @Test
  void haproxy_whenInstalled() throws Exception {
    assumeTrue(ProxyProcess.find("haproxy") != null,
        "haproxy is not installed (benchmarks/install-lab-tools.sh): its targets are skipped");
    List<String> targets = List.of("haproxy.leastconn", "haproxy.roundrobin");
    assertRows(smoke(targets), targets);
  }

  @Test
  void nginx_whenInstalled() throws Exception {
    assumeTrue(ProxyProcess.find("nginx") != null,
        "nginx is not installed (benchmarks/install-lab-tools.sh): its targets are skipped");
    List<String> targets = List.of("nginx.least_conn", "nginx.roundrobin");
    assertRows(smoke(targets), targets);
  }

  @Test
  void proxyConfigs_stayOnLoopbackAndInTheirDirectory() {
    List<String> pool = List.of("127.0.0.1:1001", "127.0.0.1:1002");
    String haproxy = ProxyProcess.haproxyConfig("leastconn", 4242, pool);
    assertThat(haproxy).contains("bind 127.0.0.1:4242", "balance leastconn",
        "server b1 127.0.0.1:1002", "http-reuse always");
    Path prefix = Path.of("/tmp/lab-nginx-x");
    String nginx = ProxyProcess.nginxConfig("least_conn", 4242, prefix, pool);
    assertThat(nginx).contains("listen 127.0.0.1:4242;", "least_conn;", "keepalive 128;",
        "pid /tmp/lab-nginx-x/nginx.pid;", "error_log /tmp/lab-nginx-x/error.log");
    assertThat(nginx).doesNotContain("/etc/", "/var/", "listen 80");
    assertThat(ProxyProcess.nginxConfig("roundrobin", 4242, prefix, pool))
        .doesNotContain("least_conn", "roundrobin;");
  }

  private List<String> smoke(List<String> targets) throws Exception {
    List<SocketLab.Row> rows = SocketLab.run("--smoke", "--targets", String.join(",", targets),
        "--out", dir.toString());
    assertThat(rows).hasSize(targets.size());
    return Files.readAllLines(dir.resolve(SocketLab.CSV), StandardCharsets.UTF_8);
  }

  private static void assertRows(List<String> lines, List<String> targets) {
    assertThat(lines.get(0))
        .isEqualTo("scenario,strategy,requests,success_rate,p50_ms,p99_ms,p999_ms");
    List<String> keys = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      assertThat(f).as(line).hasSize(7);
      keys.add(f[0] + "/" + f[1]);
      long requests = Long.parseLong(f[2]);
      double successRate = Double.parseDouble(f[3]);
      double p50 = Double.parseDouble(f[4]);
      double p99 = Double.parseDouble(f[5]);
      double p999 = Double.parseDouble(f[6]);
      assertThat(requests).as(line).isPositive();
      assertThat(successRate).as(line).isBetween(0.0, 1.0);
      assertThat(p50).as(line).isPositive().isLessThanOrEqualTo(p99);
      assertThat(p99).as(line).isLessThanOrEqualTo(p999);
    }
    List<String> expected = new ArrayList<>();
    for (String t : targets) {
      expected.add("slow-node/" + t);
    }
    assertThat(keys).containsExactlyElementsOf(expected);
  }

  private static void assertPng(Path file) throws Exception {
    assertThat(file).exists();
    byte[] bytes = Files.readAllBytes(file);
    assertThat(bytes).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
  }
}
