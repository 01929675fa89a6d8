package dev.lbclient.dns;

import static dev.lbclient.dns.DnsTestServer.a;
import static dev.lbclient.dns.DnsTestServer.srv;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbclient.Endpoint;
import dev.lbclient.LoadBalancer;
import dev.lbclient.NoEndpointAvailableException;
import dev.lbclient.Pick;
import dev.lbclient.SourceStatus;
import java.net.StandardProtocolFamily;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

/** A {@link LoadBalancer} fed by a {@link DnsEndpointSource}: pick messages, staleness, close. */
class DnsLoadBalancerTest {
  private static final String SRV = "_http._tcp.orders.test";
  private static final String HOST = "orders.test";

  private DnsTestServer server;
  private final VirtualScheduler clock = new VirtualScheduler();

  @BeforeEach
  void startServer() throws Exception {
    server = DnsTestServer.start();
  }

  @AfterEach
  void stopServer() throws Exception {
    server.close();
  }

  private DnsEndpointSource.Builder virtual(DnsEndpointSource.Builder b) {
    return b.servers(server.address()).ticker(clock).schedulers(clock::create).rng(SeededRandom.of(3));
  }

  @Test
  void pick_firstSrvLookupServfail_saysWhatDnsReturned() {
    server.rcode(SRV, Type.SRV, Rcode.SERVFAIL);
    try (LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(virtual(DnsEndpointSource.builder(SRV)).build()).build()) {
      assertThatThrownBy(lb::pick)
          .isInstanceOf(NoEndpointAvailableException.class)
          .hasMessage("no endpoints yet for orders: SRV _http._tcp.orders.test failed: SERVFAIL");
      assertThat(lb.sourceStatus().isStale()).isTrue();
    }
  }

  @Test
  void pick_firstALookupNxdomain_saysWhatDnsReturned() {
    try (LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(virtual(DnsEndpointSource.builder("missing.test", 8080)).build()).build()) {
      assertThatThrownBy(lb::pick)
          .isInstanceOf(NoEndpointAvailableException.class)
          .hasMessage("no endpoints yet for orders: A missing.test failed: NXDOMAIN");
    }
  }

  @Test
  void pick_firstLookupTimesOut_saysHowLongItWaited() {
    server.mode(HOST, Type.A, DnsTestServer.Mode.DROP);
    try (LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(virtual(DnsEndpointSource.builder(HOST, 8080))
            .queryTimeout(Duration.ofMillis(250)).build())
        .build()) {
      assertThatThrownBy(lb::pick)
          .hasMessage("no endpoints yet for orders: A orders.test failed: timeout after 250 ms");
    }
  }

  @Test
  void pick_firstLookupFailed_thenRecovers() {
    server.rcode(SRV, Type.SRV, Rcode.SERVFAIL);
    try (LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(virtual(DnsEndpointSource.builder(SRV)).build()).build()) {
      server.answerWithAdditional(SRV, Type.SRV, List.of(srv(SRV, 30, 0, 4, 8080, "a.test")),
          List.of(a("a.test", 30, "10.0.0.1")));
      clock.runNext();
      try (Pick pick = lb.pick()) {
        assertThat(pick.endpoint().toString()).isEqualTo("10.0.0.1:8080;weight=4");
        pick.success();
      }
      assertThat(lb.sourceStatus().isStale()).isFalse();
    }
  }

  @Test
  void sourceStatus_staleWhileFailing_lastGoodServed_freshAfterRecovery() {
    server.answer(HOST, Type.A, a(HOST, 30, "10.0.0.1"), a(HOST, 30, "10.0.0.2"));
    try (LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(virtual(DnsEndpointSource.builder(HOST, 8080))
            .addressFamilies(StandardProtocolFamily.INET).build())
        .build()) {
      assertThat(lb.endpoints()).hasSize(2);
      assertThat(lb.sourceStatus().isStale()).isFalse();

      server.rcode(HOST, Type.A, Rcode.NXDOMAIN);
      clock.runNext();
      clock.runNext();
      SourceStatus status = lb.sourceStatus();
      assertThat(status.isStale()).isTrue();
      assertThat(status.consecutiveFailures()).isEqualTo(2);
      assertThat(status.lastError()).isEqualTo("A orders.test failed: NXDOMAIN");
      assertThat(lb.endpoints()).extracting(Endpoint::address)
          .containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
      try (Pick pick = lb.pick()) {
        pick.success();
      }

      server.answer(HOST, Type.A, a(HOST, 30, "10.0.0.1"), a(HOST, 30, "10.0.0.2"));
      clock.runNext();
      assertThat(lb.sourceStatus().isStale()).isFalse();
      assertThat(lb.endpoints()).hasSize(2);
    }
  }

  @Test
  void close_cancelsTheSharedRefresh_noThreadPerSource() {
    server.answer("close.test", Type.A, a("close.test", 30, "10.0.0.1"));
    DnsScheduler.Shared[] scheduler = new DnsScheduler.Shared[1];
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(DnsEndpointSource.builder("close.test", 8080)
            .servers(server.address())
            .addressFamilies(StandardProtocolFamily.INET)
            .schedulers(name -> scheduler[0] = (DnsScheduler.Shared) DnsScheduler.shared())
            .build())
        .build();
    assertThat(lb.endpoints()).hasSize(1);
    assertThat(scheduler[0].hasPending()).as("the refresh at the TTL").isTrue();
    assertThat(threadsNamed("lb-client-dns-close.test")).isEmpty();

    lb.close();

    assertThat(scheduler[0].isShutdown()).isTrue();
    assertThat(scheduler[0].hasPending()).isFalse();
  }

  @Test
  void close_whileFailing_cancelsTheRetry() {
    server.rcode("failing.test", Type.A, Rcode.SERVFAIL);
    DnsScheduler.Shared[] scheduler = new DnsScheduler.Shared[1];
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(DnsEndpointSource.builder("failing.test", 8080)
            .servers(server.address())
            .schedulers(name -> scheduler[0] = (DnsScheduler.Shared) DnsScheduler.shared())
            .build())
        .build();
    assertThat(lb.sourceStatus().isStale()).isTrue();
    assertThat(scheduler[0].hasPending()).as("the retry after backoff").isTrue();

    lb.close();

    assertThat(scheduler[0].isShutdown()).isTrue();
    assertThat(scheduler[0].hasPending()).isFalse();
  }

  private static List<Thread> threadsNamed(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(name) && t.isAlive())
        .collect(Collectors.toList());
  }
}
