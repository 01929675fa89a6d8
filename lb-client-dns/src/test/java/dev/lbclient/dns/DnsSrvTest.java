package dev.lbclient.dns;


import static dev.lbclient.dns.DnsTestServer.a;
import static dev.lbclient.dns.DnsTestServer.aaaa;
import static dev.lbclient.dns.DnsTestServer.srv;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** SRV lookups against {@link DnsTestServer}: priorities, weights, targets, glue. */
class DnsSrvTest extends DnsFixture {
  private static final String SRV = "_http._tcp.orders.test";

  private DnsEndpointSource.Builder source() {
    return onTestServer(DnsEndpointSource.builder(SRV), 11);
  }

  private void start(DnsEndpointSource.Builder b) {
    subscriptions.add(b.build().start(listener));
  }

  private void host(String name, String ip) {
    server.answer(name, Type.A, a(name, 300, ip));
    server.answer(name, Type.AAAA);
  }

  @Test
  void description_namesTheQuery() {
    assertThat(DnsEndpointSource.srv("_http._tcp.orders.internal").description())
        .isEqualTo("SRV _http._tcp.orders.internal");
  }

  @Test
  void srv_lowestPriorityWins() {
    server.answer(SRV, Type.SRV,
        srv(SRV, 30, 20, 5, 8080, "c.orders.test"),
        srv(SRV, 30, 10, 5, 8080, "a.orders.test"),
        srv(SRV, 30, 10, 5, 9090, "b.orders.test"));
    host("a.orders.test", "10.0.0.1");
    host("b.orders.test", "10.0.0.2");
    host("c.orders.test", "10.0.0.3");
    start(source());
    assertThat(listener.addresses())
        .containsExactly("10.0.0.1:8080;weight=5", "10.0.0.2:9090;weight=5");
    assertThat(server.queries("c.orders.test", Type.A)).isZero(); // never needed
  }

  @Test
  void srv_priorityWithOnlyPortZeroOrDotTargets_isSkipped() {
    server.answer(SRV, Type.SRV,
        srv(SRV, 30, 0, 5, 0, "a.orders.test"),
        srv(SRV, 30, 0, 5, 8080, "."),
        srv(SRV, 30, 1, 5, 8080, "b.orders.test"));
    host("a.orders.test", "10.0.0.1");
    host("b.orders.test", "10.0.0.2");
    start(source());
    assertThat(listener.addresses()).containsExactly("10.0.0.2:8080;weight=5");
    assertThat(listener.errors).isEmpty();
  }

  @Test
  void srv_priorityWhoseTargetsDoNotExist_isSkipped() {
    server.answer(SRV, Type.SRV,
        srv(SRV, 30, 0, 5, 8080, "gone.orders.test"),
        srv(SRV, 30, 1, 5, 8080, "b.orders.test"));
    host("b.orders.test", "10.0.0.2");
    start(source());
    assertThat(listener.addresses()).containsExactly("10.0.0.2:8080;weight=5");
  }

  @Test
  void srv_targetWithoutAddress_leftOut() {
    server.answer(SRV, Type.SRV,
        srv(SRV, 30, 0, 5, 8080, "gone.orders.test"),
        srv(SRV, 30, 0, 5, 8080, "b.orders.test"));
    host("b.orders.test", "10.0.0.2");
    start(source());
    assertThat(listener.addresses()).containsExactly("10.0.0.2:8080;weight=5");
  }

  @Test
  void srv_weightMapping_zeroBecomesOne_othersKept() {
    server.answer(SRV, Type.SRV,
        srv(SRV, 30, 0, 0, 8080, "a.orders.test"),
        srv(SRV, 30, 0, 1, 8080, "b.orders.test"),
        srv(SRV, 30, 0, 10, 8080, "c.orders.test"),
        srv(SRV, 30, 0, 65_535, 8080, "d.orders.test"));
    host("a.orders.test", "10.0.0.1");
    host("b.orders.test", "10.0.0.2");
    host("c.orders.test", "10.0.0.3");
    host("d.orders.test", "10.0.0.4");
    start(source());
    assertThat(listener.last()).extracting(Endpoint::weight).containsExactly(1, 1, 10, 65_535);
  }

  @Test
  void srv_additionalSection_usedInsteadOfQueries() {
    server.answerWithAdditional(SRV, Type.SRV,
        List.of(srv(SRV, 30, 0, 3, 8080, "a.orders.test"),
            srv(SRV, 30, 0, 7, 8443, "b.orders.test")),
        List.of(a("a.orders.test", 30, "10.0.0.1"), aaaa("a.orders.test", 30, "fd00::1"),
            a("b.orders.test", 30, "10.0.0.2")));
    start(source());
    assertThat(listener.addresses()).containsExactly(
        "10.0.0.1:8080;weight=3", "10.0.0.2:8443;weight=7", "[fd00::1]:8080;weight=3");
    assertThat(server.queries("a.orders.test", Type.A)).isZero();
    assertThat(server.queries("a.orders.test", Type.AAAA)).isZero();
    assertThat(server.queries("b.orders.test", Type.A)).isZero();
    assertThat(server.queries("b.orders.test", Type.AAAA)).isZero();
  }

  @Test
  void srv_targetsResolvedWhenNoAdditionalSection() {
    server.answer(SRV, Type.SRV, srv(SRV, 30, 0, 3, 8080, "a.orders.test"));
    server.answer("a.orders.test", Type.A, a("a.orders.test", 30, "10.0.0.1"));
    server.answer("a.orders.test", Type.AAAA, aaaa("a.orders.test", 30, "fd00::1"));
    start(source());
    assertThat(listener.addresses())
        .containsExactly("10.0.0.1:8080;weight=3", "[fd00::1]:8080;weight=3");
    assertThat(server.queries("a.orders.test", Type.A)).isEqualTo(1);
    assertThat(server.queries("a.orders.test", Type.AAAA)).isEqualTo(1);
  }

  @Test
  void srv_refreshAtSmallestTtl_targetsIncluded() {
    server.answer(SRV, Type.SRV, srv(SRV, 50, 0, 3, 8080, "a.orders.test"));
    server.answer("a.orders.test", Type.A, a("a.orders.test", 20, "10.0.0.1"));
    server.answer("a.orders.test", Type.AAAA);
    start(source().refreshJitter(0));
    assertThat(clock.nextDelay()).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void srv_targetServfail_failsTheLookup_keepingLastGood() {
    server.answer(SRV, Type.SRV, srv(SRV, 30, 0, 3, 8080, "a.orders.test"));
    host("a.orders.test", "10.0.0.1");
    start(source());
    server.rcode("a.orders.test", Type.A, Rcode.SERVFAIL);
    clock.runNext();
    assertThat(listener.lists).hasSize(1);
    assertThat(listener.errors).containsExactly(
        "SRV _http._tcp.orders.test failed: target a.orders.test A: SERVFAIL");
  }

  @Test
  void srv_servfail_keepsLastGood() {
    server.answer(SRV, Type.SRV, srv(SRV, 30, 0, 3, 8080, "a.orders.test"));
    host("a.orders.test", "10.0.0.1");
    start(source());
    server.rcode(SRV, Type.SRV, Rcode.SERVFAIL);
    clock.runNext();
    assertThat(listener.lists).hasSize(1);
    assertThat(listener.errors).containsExactly("SRV _http._tcp.orders.test failed: SERVFAIL");
  }

  @Test
  void srv_onlyUnusableRecords_keptByDefault() {
    server.answer(SRV, Type.SRV, srv(SRV, 30, 0, 3, 8080, "a.orders.test"));
    host("a.orders.test", "10.0.0.1");
    start(source());
    server.answer(SRV, Type.SRV, srv(SRV, 30, 0, 3, 0, "a.orders.test"),
        srv(SRV, 30, 0, 0, 0, "."));
    clock.runNext();
    assertThat(listener.addresses()).containsExactly("10.0.0.1:8080;weight=3");
    assertThat(listener.errors).containsExactly("SRV _http._tcp.orders.test failed:"
        + " no usable records (2 ignored: port 0 or target \".\")");
  }

  @Test
  void srv_onlyUnusableRecords_appliedWhenConfigured() {
    server.answer(SRV, Type.SRV, srv(SRV, 30, 0, 3, 8080, "a.orders.test"));
    host("a.orders.test", "10.0.0.1");
    start(source().applyEmptyAnswers(true));
    server.answer(SRV, Type.SRV, srv(SRV, 30, 0, 0, 0, "."));
    clock.runNext();
    assertThat(listener.last()).isEmpty();
    assertThat(listener.errors).isEmpty();
  }

  @Test
  void srv_emptyAnswer_keptByDefault() {
    server.answer(SRV, Type.SRV, srv(SRV, 30, 0, 3, 8080, "a.orders.test"));
    host("a.orders.test", "10.0.0.1");
    start(source());
    server.answer(SRV, Type.SRV, new Record[0]);
    clock.runNext();
    assertThat(listener.lists).hasSize(1);
    assertThat(listener.errors)
        .containsExactly("SRV _http._tcp.orders.test failed: no records (NOERROR)");
  }

  @Test
  void srv_2000Records_overTcp_targetsLookedUpInWaves() {
    Record[] records = new Record[2000];
    for (int i = 0; i < records.length; i++) {
      String target = "h" + i + ".test"; // short names: 2,000 SRV records fit one TCP message
      records[i] = srv(SRV, 30, 0, 1 + i % 3, 8080, target);
      server.answer(target, Type.A, a(target, 30, "10.2." + (i / 256) + "." + (i % 256)));
    }
    server.answer(SRV, Type.SRV, records);
    start(source().addressFamilies(java.net.StandardProtocolFamily.INET)
        .queryTimeout(Duration.ofSeconds(20)));
    assertThat(listener.errors).isEmpty();
    assertThat(listener.last()).hasSize(2000);
    assertThat(listener.addresses()).startsWith("10.2.0.0:8080", "10.2.0.1:8080;weight=2");
    assertThat(server.tcpQueries(SRV, Type.SRV)).isEqualTo(1);
    assertThat(server.queries("h1999.test", Type.A)).isEqualTo(1);
  }

  @Test
  void srv_sameAddressTwice_mergedKeepingTheLargerWeight() {
    server.answer(SRV, Type.SRV,
        srv(SRV, 30, 0, 3, 8080, "a.orders.test"),
        srv(SRV, 30, 0, 9, 8080, "alias.orders.test"));
    host("a.orders.test", "10.0.0.1");
    host("alias.orders.test", "10.0.0.1");
    start(source());
    assertThat(listener.addresses()).containsExactly("10.0.0.1:8080;weight=9");
  }
}
