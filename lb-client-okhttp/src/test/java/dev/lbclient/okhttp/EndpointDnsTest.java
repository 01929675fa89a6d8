package dev.lbclient.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Dns;
import org.junit.jupiter.api.Test;

class EndpointDnsTest {
  /** Records every name it is asked for and answers 192.0.2.1. */
  private static final class RecordingDns implements Dns {
    final List<String> asked = new ArrayList<>();

    @Override
    public List<InetAddress> lookup(String hostname) throws UnknownHostException {
      asked.add(hostname);
      return List.of(InetAddress.getByAddress(hostname, new byte[] {(byte) 192, 0, 2, 1}));
    }
  }

  @Test
  void lookup_ipv4Literal_noLookup() throws Exception {
    RecordingDns delegate = new RecordingDns();
    EndpointDns dns = new EndpointDns("orders", Endpoint.of("127.0.0.2", 8080), delegate);

    assertThat(dns.lookup("orders")).extracting(InetAddress::getHostAddress)
        .containsExactly("127.0.0.2");
    assertThat(delegate.asked).isEmpty();
  }

  @Test
  void lookup_ipv6Literal_noLookup() throws Exception {
    RecordingDns delegate = new RecordingDns();
    EndpointDns dns = new EndpointDns("orders", Endpoint.of("[::1]", 8080), delegate);

    assertThat(dns.lookup("ORDERS")).singleElement()
        .satisfies(a -> assertThat(a.isLoopbackAddress()).isTrue());
    assertThat(delegate.asked).isEmpty();
  }

  @Test
  void lookup_endpointHostname_resolvedByTheClientsDns() throws Exception {
    RecordingDns delegate = new RecordingDns();
    EndpointDns dns = new EndpointDns("orders", Endpoint.of("orders-1.internal", 8080), delegate);

    assertThat(dns.lookup("orders")).extracting(InetAddress::getHostAddress)
        .containsExactly("192.0.2.1");
    assertThat(delegate.asked).containsExactly("orders-1.internal");
  }

  @Test
  void lookup_otherName_delegated() throws Exception {
    RecordingDns delegate = new RecordingDns();
    EndpointDns dns = new EndpointDns("orders", Endpoint.of("127.0.0.2", 8080), delegate);

    dns.lookup("foreign.example");

    assertThat(delegate.asked).containsExactly("foreign.example");
  }

  @Test
  void parseLiteral_notALiteral_null() {
    assertThat(EndpointDns.parseLiteral("orders-1")).isNull();
    assertThat(EndpointDns.parseLiteral("1.2.3")).isNull();
    assertThat(EndpointDns.parseLiteral("1.2.3.256")).isNull();
    assertThat(EndpointDns.parseLiteral("1.2.3.4.5")).isNull();
    assertThat(EndpointDns.parseLiteral("10.0.0.1")).isNotNull();
  }

  @Test
  void equality_sameLogicalHostEndpointHostAndDelegate() {
    Endpoint e = Endpoint.of("127.0.0.2", 8080);
    EndpointDns a = new EndpointDns("orders", e, Dns.SYSTEM);

    assertThat(a).isEqualTo(new EndpointDns("orders", e, Dns.SYSTEM))
        .hasSameHashCodeAs(new EndpointDns("orders", e, Dns.SYSTEM));
    assertThat(a).isNotEqualTo(new EndpointDns("orders", Endpoint.of("127.0.0.3", 8080),
        Dns.SYSTEM));
    assertThat(a).isNotEqualTo(new EndpointDns("payments", e, Dns.SYSTEM));
    assertThat(a).isNotEqualTo(new EndpointDns("orders", e, new RecordingDns()));
  }

  @Test
  void cache_oneInstancePerEndpoint() {
    EndpointDnsCache cache = new EndpointDnsCache();
    Endpoint e = Endpoint.of("127.0.0.2", 8080);

    EndpointDns first = cache.get("orders", e, Dns.SYSTEM);

    assertThat(cache.get("orders", e, Dns.SYSTEM)).isSameAs(first);
    assertThat(cache.get("orders", Endpoint.of("127.0.0.3", 8080), Dns.SYSTEM))
        .isNotSameAs(first);
    assertThat(cache.size()).isEqualTo(2);
  }
}
