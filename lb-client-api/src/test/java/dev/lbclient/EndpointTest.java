package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointTest {

  @Test
  void of_hostAndPort() {
    Endpoint e = Endpoint.of("10.0.0.1", 8080);
    assertThat(e.host()).isEqualTo("10.0.0.1");
    assertThat(e.port()).isEqualTo(8080);
    assertThat(e.weight()).isEqualTo(1);
    assertThat(e.zone()).isNull();
    assertThat(e.attributes()).isEmpty();
    assertThat(e.address()).isEqualTo("10.0.0.1:8080");
  }

  @Test
  void of_hostname() {
    Endpoint e = Endpoint.of("orders-1.internal", 443);
    assertThat(e.host()).isEqualTo("orders-1.internal");
    assertThat(e.address()).isEqualTo("orders-1.internal:443");
  }

  @Test
  void of_ipv6WithoutBrackets() {
    Endpoint e = Endpoint.of("2001:db8::1", 443);
    assertThat(e.host()).isEqualTo("2001:db8::1");
    assertThat(e.address()).isEqualTo("[2001:db8::1]:443");
  }

  @Test
  void of_ipv6WithBrackets() {
    assertThat(Endpoint.of("[::1]", 80)).isEqualTo(Endpoint.of("::1", 80));
    assertThat(Endpoint.of("[::1]", 80).host()).isEqualTo("::1");
  }

  @Test
  void of_portBounds() {
    assertThat(Endpoint.of("h", 1).port()).isEqualTo(1);
    assertThat(Endpoint.of("h", 65_535).port()).isEqualTo(65_535);
  }

  @Test
  void port_tooLarge() {
    assertThatThrownBy(() -> Endpoint.of("h", 70_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port: 70000 (expected: 1..65535)");
  }

  @Test
  void port_zero() {
    assertThatThrownBy(() -> Endpoint.of("h", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port: 0 (expected: 1..65535)");
  }

  @Test
  void port_negative() {
    assertThatThrownBy(() -> Endpoint.of("h", -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port: -1 (expected: 1..65535)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "bad host", "-leading", "trailing-", "a..b", "host/path",
      "1:::2", "[::1", "fe80::1%"})
  void host_invalid(String host) {
    assertThatThrownBy(() -> Endpoint.of(host, 80))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("host: '" + host + "' (expected: a hostname or an IP address)");
  }

  @Test
  void host_labelTooLong() {
    String host = "a".repeat(64) + ".internal";
    assertThatThrownBy(() -> Endpoint.of(host, 80))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("host: '" + host + "' (expected: a hostname or an IP address)");
    assertThat(Endpoint.of("a".repeat(63) + ".internal", 80).host()).startsWith("aaa");
  }

  @Test
  void host_ipv6WithScope() {
    assertThat(Endpoint.of("fe80::1%eth0", 80).address()).isEqualTo("[fe80::1%eth0]:80");
  }

  @Test
  void host_serviceNameUnderscore() {
    assertThat(Endpoint.of("_http._tcp.orders", 80).host()).isEqualTo("_http._tcp.orders");
  }

  @Test
  void host_null() {
    assertThatThrownBy(() -> Endpoint.of(null, 80))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("host");
  }

  @Test
  void parse_hostPort() {
    assertThat(Endpoint.parse("10.0.0.1:8080")).isEqualTo(Endpoint.of("10.0.0.1", 8080));
  }

  @Test
  void parse_ipv6() {
    Endpoint e = Endpoint.parse("[2001:db8::7]:8443");
    assertThat(e.host()).isEqualTo("2001:db8::7");
    assertThat(e.port()).isEqualTo(8443);
  }

  @Test
  void parse_weight() {
    Endpoint e = Endpoint.parse("[::1]:8080;weight=3");
    assertThat(e.weight()).isEqualTo(3);
    assertThat(e.address()).isEqualTo("[::1]:8080");
  }

  @Test
  void parse_zone() {
    Endpoint e = Endpoint.parse("orders-1.internal:443;zone=eu-west-1a");
    assertThat(e.zone()).isEqualTo("eu-west-1a");
    assertThat(e.weight()).isEqualTo(1);
  }

  @Test
  void parse_weightAndZone() {
    Endpoint e = Endpoint.parse("orders-1.internal:443;weight=2;zone=eu-west-1a");
    assertThat(e).isEqualTo(
        Endpoint.of("orders-1.internal", 443).withWeight(2).withZone("eu-west-1a"));
  }

  @Test
  void parse_surroundingWhitespace() {
    assertThat(Endpoint.parse("  10.0.0.1:80 ")).isEqualTo(Endpoint.of("10.0.0.1", 80));
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.1:8080", "[::1]:80", "[fe80::1%eth0]:443;weight=7",
      "orders-1.internal:443;weight=2;zone=eu-west-1a", "h:65535;zone=z",
      "h:1;weight=65535"})
  void parse_roundTrip(String text) {
    Endpoint e = Endpoint.parse(text);
    assertThat(e.toString()).isEqualTo(text);
    assertThat(Endpoint.parse(e.toString())).isEqualTo(e);
  }

  @Test
  void parse_roundTripFromBuiltEndpoint() {
    Endpoint e = Endpoint.of("::1", 9).withWeight(40).withZone("a=b");
    assertThat(Endpoint.parse(e.toString())).isEqualTo(e);
  }

  @Test
  void parse_missingPort() {
    assertThatThrownBy(() -> Endpoint.parse("10.0.0.1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("endpoint: '10.0.0.1' (expected: host:port or [ipv6]:port, e.g. 10.0.0.1:8080)");
  }

  @Test
  void parse_ipv6WithoutBrackets() {
    assertThatThrownBy(() -> Endpoint.parse("::1:80"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("endpoint: '::1:80' (expected: host:port or [ipv6]:port, e.g. 10.0.0.1:8080)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"[::1:80", "[::1]", "[::1]80"})
  void parse_badBrackets(String text) {
    assertThatThrownBy(() -> Endpoint.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("endpoint: '" + text + "' (expected: [ipv6]:port, e.g. [::1]:8080)");
  }

  @Test
  void parse_portNotANumber() {
    assertThatThrownBy(() -> Endpoint.parse("h:http"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port: 'http' in 'h:http' (expected: a whole number)");
  }

  @Test
  void parse_portEmpty() {
    assertThatThrownBy(() -> Endpoint.parse("h:"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port: '' in 'h:' (expected: a whole number)");
  }

  @Test
  void parse_portTooLarge() {
    assertThatThrownBy(() -> Endpoint.parse("10.0.0.1:70000"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port: 70000 (expected: 1..65535)");
  }

  @Test
  void parse_badHost() {
    assertThatThrownBy(() -> Endpoint.parse("bad_host!:80"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("host: 'bad_host!' (expected: a hostname or an IP address)");
  }

  @Test
  void parse_weightNotANumber() {
    assertThatThrownBy(() -> Endpoint.parse("h:80;weight=x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weight: 'x' in 'h:80;weight=x' (expected: a whole number)");
  }

  @Test
  void parse_weightZero() {
    assertThatThrownBy(() -> Endpoint.parse("h:80;weight=0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weight: 0 (expected: 1..65535)");
  }

  @Test
  void parse_zoneEmpty() {
    assertThatThrownBy(() -> Endpoint.parse("h:80;zone="))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("zone: '' (expected: non-empty, printable ASCII, no ';' or spaces)");
  }

  @Test
  void parse_unknownParameter() {
    assertThatThrownBy(() -> Endpoint.parse("h:80;color=red"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("endpoint parameter: 'color=red' in 'h:80;color=red' "
            + "(expected: weight=N or zone=Z)");
  }

  @Test
  void parse_emptyParameter() {
    assertThatThrownBy(() -> Endpoint.parse("h:80;"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("endpoint parameter: '' in 'h:80;' (expected: weight=N or zone=Z)");
  }

  @Test
  void parse_null() {
    assertThatThrownBy(() -> Endpoint.parse(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("text");
  }

  @Test
  void withWeight_range() {
    Endpoint e = Endpoint.of("h", 80);
    assertThat(e.withWeight(Endpoint.MIN_WEIGHT).weight()).isEqualTo(1);
    assertThat(e.withWeight(Endpoint.MAX_WEIGHT).weight()).isEqualTo(65_535);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 65_536, Integer.MIN_VALUE})
  void weight_outOfRange(int weight) {
    assertThatThrownBy(() -> Endpoint.of("h", 80).withWeight(weight))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weight: " + weight + " (expected: 1..65535)");
  }

  @Test
  void withWeight_keepsOtherFields() {
    Endpoint e = Endpoint.of("h", 80).withZone("z").withAttribute("k", "v").withWeight(9);
    assertThat(e.zone()).isEqualTo("z");
    assertThat(e.attributes()).isEqualTo(Map.of("k", "v"));
    assertThat(e.address()).isEqualTo("h:80");
  }

  @ParameterizedTest
  @ValueSource(strings = {"eu west", "a;b", "tab\there", "caf\u00e9"})
  void zone_invalid(String zone) {
    assertThatThrownBy(() -> Endpoint.of("h", 80).withZone(zone))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("zone: '" + zone + "' (expected: non-empty, printable ASCII, no ';' or spaces)");
  }

  @Test
  void zone_null() {
    assertThatThrownBy(() -> Endpoint.of("h", 80).withZone(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("zone");
  }

  @Test
  void attribute_emptyKey() {
    assertThatThrownBy(() -> Endpoint.of("h", 80).withAttribute("", "v"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attribute key: '' (expected: non-empty)");
  }

  @Test
  void attribute_nullKeyOrValue() {
    Endpoint e = Endpoint.of("h", 80);
    assertThatThrownBy(() -> e.withAttribute(null, "v"))
        .isInstanceOf(NullPointerException.class).hasMessage("key");
    assertThatThrownBy(() -> e.withAttribute("k", null))
        .isInstanceOf(NullPointerException.class).hasMessage("value");
    assertThatThrownBy(() -> e.attribute(null))
        .isInstanceOf(NullPointerException.class).hasMessage("key");
  }

  @Test
  void attribute_addedAndReplaced() {
    Endpoint e = Endpoint.of("h", 80).withAttribute("v", "1").withAttribute("canary", "yes")
        .withAttribute("v", "2");
    assertThat(e.attribute("v")).isEqualTo("2");
    assertThat(e.attribute("canary")).isEqualTo("yes");
    assertThat(e.attribute("missing")).isNull();
    assertThatThrownBy(() -> e.attributes().put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void toString_attributesSortedInBraces() {
    Endpoint e = Endpoint.of("h", 80).withAttribute("b", "2").withAttribute("a", "1");
    assertThat(e.toString()).isEqualTo("h:80{a=1, b=2}");
  }

  @Test
  void equals_sameFields() {
    Endpoint a = Endpoint.parse("h:80;weight=2;zone=z").withAttribute("k", "v");
    Endpoint b = Endpoint.of("h", 80).withZone("z").withAttribute("k", "v").withWeight(2);
    assertThat(a).isEqualTo(b);
    assertThat(a.hashCode()).isEqualTo(b.hashCode());
  }

  @Test
  void equals_differentWeightSameAddress() {
    Endpoint a = Endpoint.of("h", 80);
    Endpoint b = a.withWeight(2);
    assertThat(a).isNotEqualTo(b);
    assertThat(a.sameAddress(b)).isTrue();
  }

  @Test
  void equals_differentZoneOrAttributes() {
    Endpoint a = Endpoint.of("h", 80);
    assertThat(a).isNotEqualTo(a.withZone("z"));
    assertThat(a).isNotEqualTo(a.withAttribute("k", "v"));
    assertThat(a.sameAddress(a.withZone("z").withAttribute("k", "v"))).isTrue();
  }

  @Test
  void sameAddress_differentPortOrHost() {
    Endpoint a = Endpoint.of("h", 80);
    assertThat(a.sameAddress(Endpoint.of("h", 81))).isFalse();
    assertThat(a.sameAddress(Endpoint.of("g", 80))).isFalse();
    assertThat(a).isNotEqualTo(Endpoint.of("h", 81));
  }

  @Test
  void sameAddress_ipv6BracketsOrNot() {
    assertThat(Endpoint.of("::1", 80).sameAddress(Endpoint.parse("[::1]:80;weight=5"))).isTrue();
  }

  @Test
  void equals_otherTypes() {
    Endpoint a = Endpoint.of("h", 80);
    assertThat(a.equals(null)).isFalse();
    assertThat(a.equals("h:80")).isFalse();
    assertThat(a).isEqualTo(a);
  }

  @ParameterizedTest
  @ValueSource(strings = {"+80", " 80", "0x50", "8_0"})
  void parse_portNotPlainDigits_rejected(String port) {
    String text = "10.0.0.1:" + port;
    assertThatThrownBy(() -> Endpoint.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port: '" + port + "' in '" + text + "' (expected: a whole number)");
  }

  @Test
  void parse_parameterGivenTwice_rejected() {
    assertThatThrownBy(
            () -> Endpoint.parse("10.0.0.1:80;weight=2;weight=3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("endpoint parameter: 'weight' given twice in '10.0.0.1:80;weight=2;weight=3'");
  }
}
