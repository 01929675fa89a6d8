package dev.lbclient.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbclient.EndpointSource;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Builder validation, names, and the small helpers; no network. */
class DnsEndpointSourceBuilderTest {

  private static DnsEndpointSource.Builder builder() {
    return DnsEndpointSource.builder("orders.internal", 8080);
  }

  @Test
  void minTtl_negative() {
    assertThatThrownBy(() -> builder().minTtl(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minTtl: PT-1S (expected: positive)");
  }

  @Test
  void maxTtl_zero() {
    assertThatThrownBy(() -> builder().maxTtl(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxTtl: PT0S (expected: positive)");
  }

  @Test
  void minTtl_twice() {
    assertThatThrownBy(() -> builder().minTtl(Duration.ofSeconds(10)).minTtl(Duration.ofSeconds(20)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("minTtl was already set to PT10S");
  }

  @Test
  void minTtl_aboveMax_rejectedByBuild() {
    assertThatThrownBy(() -> builder().minTtl(Duration.ofMinutes(2)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("minTtl: PT2M is greater than maxTtl: PT1M (the default)");
    assertThatThrownBy(() -> builder().minTtl(Duration.ofSeconds(30))
        .maxTtl(Duration.ofSeconds(20)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("minTtl: PT30S is greater than maxTtl: PT20S");
  }

  @Test
  void queryTimeout_outOfRange() {
    assertThatThrownBy(() -> builder().queryTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("queryTimeout: PT0S (expected: PT0.001S..PT1M)");
    assertThatThrownBy(() -> builder().queryTimeout(Duration.ofMinutes(2)))
        .hasMessage("queryTimeout: PT2M (expected: PT0.001S..PT1M)");
  }

  @Test
  void queryTimeout_twice() {
    assertThatThrownBy(() -> builder().queryTimeout(Duration.ofSeconds(1))
        .queryTimeout(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("queryTimeout was already set to PT1S");
  }

  @Test
  void refreshJitter_outOfRange() {
    assertThatThrownBy(() -> builder().refreshJitter(0.6))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("refreshJitter: 0.6 (expected: 0.0..0.5)");
    assertThatThrownBy(() -> builder().refreshJitter(Double.NaN))
        .hasMessage("refreshJitter: NaN (expected: 0.0..0.5)");
  }

  @Test
  void backoff_initialAboveMax() {
    assertThatThrownBy(() -> builder().backoff(Duration.ofSeconds(5), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backoff: PT5S to PT1S (expected: initial <= max)");
  }

  @Test
  void servers_empty() {
    assertThatThrownBy(() -> builder().servers())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("servers: [] (expected: at least one address)");
  }

  @Test
  void servers_unresolved() {
    assertThatThrownBy(() -> builder().servers(InetSocketAddress.createUnresolved("dns.test", 53)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("servers[0]: dns.test")
        .hasMessageContaining("(expected: a resolved address");
  }

  @Test
  void servers_twice() {
    InetSocketAddress s = new InetSocketAddress("127.0.0.1", 53);
    assertThatThrownBy(() -> builder().servers(s).servers(s))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("servers was already set to [");
  }

  @Test
  void addressFamilies_unix() {
    assertThatThrownBy(() -> builder().addressFamilies(StandardProtocolFamily.UNIX))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("addressFamilies: [UNIX] (expected: INET and/or INET6)");
  }

  @Test
  void applyEmptyAnswers_twice() {
    assertThatThrownBy(() -> builder().applyEmptyAnswers(false).applyEmptyAnswers(true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("applyEmptyAnswers was already set to false");
  }

  @Test
  void a_port_outOfRange() {
    assertThatThrownBy(() -> DnsEndpointSource.a("orders.internal", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port: 0 (expected: 1..65535)");
  }

  @Test
  void a_ipAddress_pointsToStaticSource() {
    assertThatThrownBy(() -> DnsEndpointSource.a("10.0.0.1", 80))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hostname: '10.0.0.1' (expected: a DNS name; for a fixed address use"
            + " EndpointSource.of)");
  }

  @Test
  void srv_notADnsName() {
    assertThatThrownBy(() -> DnsEndpointSource.srv("a..b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("name: 'a..b' (expected: a DNS name");
    assertThatThrownBy(() -> DnsEndpointSource.srv(""))
        .hasMessage("name: '' (expected: a DNS name)");
  }

  @Test
  void description_srvAndA() {
    assertThat(DnsEndpointSource.srv("_http._tcp.orders.internal").description())
        .isEqualTo("SRV _http._tcp.orders.internal");
    assertThat(DnsEndpointSource.a("orders.internal", 8080)).hasToString(
        "DnsEndpointSource{A orders.internal:8080}");
  }

  @Test
  void ipText_rfc5952() {
    assertThat(DnsLookup.ipText(new byte[] {10, 0, (byte) 200, 1})).isEqualTo("10.0.200.1");
    assertThat(DnsLookup.ipText(v6(0xfd00, 0, 0, 0, 0, 0, 0, 1))).isEqualTo("fd00::1");
    assertThat(DnsLookup.ipText(v6(0, 0, 0, 0, 0, 0, 0, 0))).isEqualTo("::");
    assertThat(DnsLookup.ipText(v6(1, 0, 2, 0, 0, 0, 0, 3))).isEqualTo("1:0:2::3");
    assertThat(DnsLookup.ipText(v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1))).isEqualTo("2001:db8::1:0:0:1");
    assertThat(DnsLookup.ipText(v6(1, 0, 0, 0, 0, 0, 0, 0))).isEqualTo("1::");
    assertThat(DnsLookup.ipText(v6(0xABCD, 1, 2, 3, 4, 5, 6, 7))).isEqualTo("abcd:1:2:3:4:5:6:7");
  }

  private static byte[] v6(int... groups) {
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[2 * i] = (byte) (groups[i] >> 8);
      b[2 * i + 1] = (byte) groups[i];
    }
    return b;
  }
}
