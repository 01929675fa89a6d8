package dev.lbclient.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lbclient.EndpointSource;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DnsEndpointSource} against a real DNS server: dnsmasq on 127.0.0.1 at a free port, with a
 * generated configuration. Records are changed by rewriting its hosts file and sending SIGHUP
 * (A/AAAA) or by restarting it (SRV, which SIGHUP does not reload); refreshes run on virtual time,
 * and the test waits for dnsmasq's own log line rather than for a fixed time.
 *
 * <p>Skipped when dnsmasq is not installed ({@code apt-get install dnsmasq-base}).
 */
class DnsmasqInteropTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static @Nullable String binary;

  @TempDir Path dir;
  private Path hosts;
  private Path config;
  private int port;
  private @Nullable Process dnsmasq;
  private final BlockingQueue<String> log = new LinkedBlockingQueue<>();
  private final VirtualScheduler clock = new VirtualScheduler();
  private final RecordingListener listener = new RecordingListener();
  private final List<EndpointSource.Subscription> subscriptions = new ArrayList<>();

  @BeforeAll
  static void findDnsmasq() {
    List<String> places = new ArrayList<>();
    for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      places.add(d);
    }
    places.add("/usr/sbin"); // Debian puts it here, which is not on every user's PATH
    places.add("/sbin");
    for (String d : places) {
      File f = new File(d, "dnsmasq");
      if (!d.isEmpty() && f.canExecute()) {
        binary = f.getPath();
        break;
      }
    }
    assumeTrue(binary != null, "dnsmasq is not installed (looked on the PATH, /usr/sbin, /sbin);"
        + " install it to run this test: apt-get install dnsmasq-base (or: apt-get install dnsmasq)");
  }

  @BeforeEach
  void start() throws Exception {
    hosts = dir.resolve("hosts");
    config = dir.resolve("dnsmasq.conf");
    writeHosts(
        "10.1.0.1 web1.orders.test",
        "fd00::1 web1.orders.test",
        "10.1.0.2 web2.orders.test",
        "10.1.0.1 a.orders.test",
        "10.1.0.2 a.orders.test",
        "fd00::1 a.orders.test");
    writeConfig(
        "srv-host=_http._tcp.orders.test,web1.orders.test,8080,10,5",
        "srv-host=_http._tcp.orders.test,web2.orders.test,8081,10,0",
        "srv-host=_http._tcp.orders.test,web2.orders.test,9090,20,7");
    startDnsmasq();
  }

  @AfterEach
  void stop() throws Exception {
    subscriptions.forEach(EndpointSource.Subscription::close);
    stopDnsmasq();
  }

  private DnsEndpointSource.Builder source(DnsEndpointSource.Builder b) {
    return b.servers(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
        .queryTimeout(Duration.ofMillis(500))
        .refreshJitter(0)
        .ticker(clock)
        .schedulers(clock::create)
        .rng(SeededRandom.of(5));
  }

  private void start(DnsEndpointSource source) {
    subscriptions.add(source.start(listener));
  }

  @Test
  void a_yieldsIpv4AndIpv6_refreshAtDnsmasqTtl() {
    start(source(DnsEndpointSource.builder("a.orders.test", 8080)).build());
    assertThat(listener.errors).isEmpty();
    assertThat(listener.addresses())
        .containsExactly("10.1.0.1:8080", "10.1.0.2:8080", "[fd00::1]:8080");
    assertThat(clock.nextDelay()).isEqualTo(Duration.ofSeconds(30)); // local-ttl=30
  }

  @Test
  void aaaa_only() {
    start(source(DnsEndpointSource.builder("a.orders.test", 8443))
        .addressFamilies(StandardProtocolFamily.INET6).build());
    assertThat(listener.addresses()).containsExactly("[fd00::1]:8443");
  }

  @Test
  void srv_lowestPriority_weights_targetsFromAdditionalSection() {
    start(source(DnsEndpointSource.builder("_http._tcp.orders.test")).build());
    assertThat(listener.errors).isEmpty();
    assertThat(listener.addresses()).containsExactly(
        "10.1.0.1:8080;weight=5", "10.1.0.2:8081", "[fd00::1]:8080;weight=5");
  }

  @Test
  void nxdomain_firstLookupReported() {
    start(source(DnsEndpointSource.builder("nope.orders.test", 8080)).build());
    assertThat(listener.lists).isEmpty();
    assertThat(listener.errors).containsExactly("A nope.orders.test failed: NXDOMAIN");
  }

  @Test
  void hostsChanged_sighup_changeArrivesOnNextRefresh() throws Exception {
    start(source(DnsEndpointSource.builder("a.orders.test", 8080)).build());
    assertThat(listener.addresses()).hasSize(3);

    writeHosts("10.1.0.3 a.orders.test", "10.1.0.4 a.orders.test", "fd00::4 a.orders.test");
    log.clear();
    Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(dnsmasq.pid()))
        .redirectErrorStream(true).start();
    assertThat(kill.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
    awaitLog("read " + hosts);

    clock.runNext();
    assertThat(listener.errors).isEmpty();
    assertThat(listener.addresses())
        .containsExactly("10.1.0.3:8080", "10.1.0.4:8080", "[fd00::4]:8080");
  }

  @Test
  void srvChanged_restart_changeArrivesOnNextRefresh() throws Exception {
    start(source(DnsEndpointSource.builder("_http._tcp.orders.test")).build());
    assertThat(listener.addresses()).hasSize(3);

    stopDnsmasq();
    writeConfig(
        "srv-host=_http._tcp.orders.test,web1.orders.test,8080,10,0",
        "srv-host=_http._tcp.orders.test,web2.orders.test,9090,5,7");
    startDnsmasq();

    clock.runNext();
    assertThat(listener.errors).isEmpty();
    assertThat(listener.addresses()).containsExactly("10.1.0.2:9090;weight=7");
  }

  @Test
  void serverDown_keepsLastGood_thenRecovers() throws Exception {
    start(source(DnsEndpointSource.builder("a.orders.test", 8080)).build());
    assertThat(listener.addresses()).hasSize(3);

    stopDnsmasq();
    clock.runNext();
    assertThat(listener.lists).hasSize(1);
    assertThat(listener.errors).hasSize(1);
    assertThat(listener.lastError()).startsWith("A a.orders.test failed: ");

    startDnsmasq();
    Duration backoff = clock.runNext();
    assertThat(backoff).isBetween(Duration.ofMillis(800), Duration.ofMillis(1200));
    assertThat(listener.lists).hasSize(2);
    assertThat(listener.addresses()).hasSize(3);
  }

  // ---- dnsmasq ------------------------------------------------------------------------------

  private void writeHosts(String... lines) throws IOException {
    Files.write(hosts, List.of(lines), StandardCharsets.UTF_8);
  }

  private void writeConfig(String... srvLines) throws IOException {
    List<String> lines = new ArrayList<>(List.of(
        "log-facility=-",      // log to stderr, which the test reads
        "local-ttl=30",        // TTL of the hosts-file and srv-host records
        "local=/orders.test/", // answer NXDOMAIN, not REFUSED, for unknown names there
        "addn-hosts=" + hosts));
    lines.addAll(List.of(srvLines));
    Files.write(config, lines, StandardCharsets.UTF_8);
  }

  /**
   * Starts dnsmasq at a free port, or on a restart at the same port again (the source under test
   * knows only that one); waits for its log line saying it has read the hosts file.
   */
  private void startDnsmasq() throws Exception {
    boolean restart = port != 0;
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      if (!restart) {
        port = freePort();
      }
      log.clear();
      Process p = new ProcessBuilder(binary, "--no-daemon", "--port=" + port,
          "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
          "--conf-file=" + config)
          .redirectErrorStream(true)
          .start();
      Thread reader = new Thread(() -> readLog(p), "dnsmasq-log");
      reader.setDaemon(true);
      reader.start();
      String line = awaitLog("read " + hosts, "failed", "FAILED");
      if (line.contains("read " + hosts)) {
        dnsmasq = p;
        return;
      }
      p.destroy();
      p.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      last = new IOException("dnsmasq did not start: " + line);
    }
    throw last;
  }

  private void stopDnsmasq() throws InterruptedException {
    Process p = dnsmasq;
    dnsmasq = null;
    if (p != null) {
      p.destroy();
      if (!p.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  private void readLog(Process p) {
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        log.add(line);
      }
    } catch (IOException e) {
      log.add("log reader failed: " + e);
    }
  }

  /** The first log line that contains one of {@code needles}; fails after {@link #WAIT}. */
  private String awaitLog(String... needles) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    List<String> seen = new ArrayList<>();
    while (true) {
      String line = log.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError("dnsmasq did not log any of " + List.of(needles)
            + " within " + WAIT + "; it logged: " + seen);
      }
      seen.add(line);
      for (String needle : needles) {
        if (line.contains(needle)) {
          return line;
        }
      }
    }
  }

  /** A port free for both UDP and TCP on loopback just now. */
  private static int freePort() throws IOException {
    for (int attempt = 0; attempt < 20; attempt++) {
      try (DatagramSocket udp = new DatagramSocket(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
          ServerSocket tcp = new ServerSocket()) {
        tcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort()));
        return udp.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no port free for both UDP and TCP on loopback");
  }
}
