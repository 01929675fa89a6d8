package dev.lbclient.dns;

import static dev.lbclient.dns.DnsTestServer.a;
import static dev.lbclient.dns.DnsTestServer.aaaa;
import static dev.lbclient.dns.DnsTestServer.cname;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.EndpointSource;
import java.net.StandardProtocolFamily;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * A/AAAA lookups, refresh timing, failures and backoff, against {@link DnsTestServer} on virtual
 * time: every refresh runs on the test thread when the test advances {@link VirtualScheduler}.
 */
class DnsEndpointSourceTest extends DnsFixture {
  private static final String HOST = "orders.test";

  private DnsEndpointSource.Builder source() {
    return onTestServer(DnsEndpointSource.builder(HOST, 8080), 7);
  }

  private EndpointSource.Subscription start(DnsEndpointSource source, EndpointSource.Listener l) {
    EndpointSource.Subscription s = source.start(l);
    subscriptions.add(s);
    return s;
  }

  private void serve(String... ips) {
    List<Record> v4 = new ArrayList<>();
    List<Record> v6 = new ArrayList<>();
    for (String ip : ips) {
      (ip.contains(":") ? v6 : v4).add(ip.contains(":") ? aaaa(HOST, 30, ip) : a(HOST, 30, ip));
    }
    server.answer(HOST, Type.A, v4.toArray(new Record[0]));
    server.answer(HOST, Type.AAAA, v6.toArray(new Record[0]));
  }

  // ---- What is looked up ------------------------------------------------------------------

  @Test
  void a_queriesBothFamilies_ipv4First() {
    serve("fd00::1", "10.0.0.2", "10.0.0.1");
    start(source().build(), listener);
    assertThat(listener.addresses())
        .containsExactly("10.0.0.1:8080", "10.0.0.2:8080", "[fd00::1]:8080");
    assertThat(listener.errors).isEmpty();
  }

  @Test
  void a_ipv4Only_neverAsksForAaaa() {
    serve("10.0.0.1", "fd00::1");
    start(source().addressFamilies(StandardProtocolFamily.INET).build(), listener);
    assertThat(listener.addresses()).containsExactly("10.0.0.1:8080");
    assertThat(server.queries(HOST, Type.AAAA)).isZero();
  }

  @Test
  void a_ipv6Only_asksOnlyForAaaa() {
    serve("10.0.0.1", "fd00::1");
    DnsEndpointSource source = source().addressFamilies(StandardProtocolFamily.INET6).build();
    start(source, listener);
    assertThat(listener.addresses()).containsExactly("[fd00::1]:8080");
    assertThat(server.queries(HOST, Type.A)).isZero();
    assertThat(source.description()).isEqualTo("AAAA orders.test:8080");
  }

  @Test
  void a_followsCnameInAnswer() {
    server.answer(HOST, Type.A, cname(HOST, 30, "real.test"), a("real.test", 30, "10.0.0.9"));
    server.answer(HOST, Type.AAAA, cname(HOST, 30, "real.test"));
    start(source().build(), listener);
    assertThat(listener.addresses()).containsExactly("10.0.0.9:8080");
  }

  @Test
  void description_namesQueryAndPort() {
    assertThat(DnsEndpointSource.a("orders.internal", 8080).description())
        .isEqualTo("A orders.internal:8080");
    assertThat(DnsEndpointSource.a("orders.internal.", 8080).description())
        .isEqualTo("A orders.internal:8080");
  }

  @Test
  void servers_several_nextOneAskedWhenOneDoesNotAnswer() throws Exception {
    try (DnsTestServer silent = DnsTestServer.start()) {
      silent.mode(HOST, Type.A, DnsTestServer.Mode.DROP);
      serve("10.0.0.1");
      DnsEndpointSource source = DnsEndpointSource.builder(HOST, 8080)
          .servers(silent.address(), server.address())
          .addressFamilies(StandardProtocolFamily.INET)
          .queryTimeout(Duration.ofMillis(1000))
          .ticker(clock).schedulers(clock::create).rng(SeededRandom.of(7))
          .build();
      start(source, listener);
      for (int i = 0; i < 3; i++) {
        clock.runNext();
      }
      assertThat(listener.errors).isEmpty();
      assertThat(listener.addresses()).containsExactly("10.0.0.1:8080");
      assertThat(server.queries(HOST, Type.A)).isEqualTo(4);
    }
  }

  @Test
  void servers_several_servfailFromFirst_asksNext_nxdomainDoesNot() throws Exception {
    try (DnsTestServer failing = DnsTestServer.start()) {
      failing.rcode(HOST, Type.A, Rcode.SERVFAIL);
      serve("10.0.0.1");
      DnsEndpointSource source = DnsEndpointSource.builder(HOST, 8080)
          .servers(failing.address(), server.address())
          .addressFamilies(StandardProtocolFamily.INET)
          .ticker(clock).schedulers(clock::create).rng(SeededRandom.of(7))
          .build();
      start(source, listener);
      assertThat(listener.addresses()).containsExactly("10.0.0.1:8080");

      failing.rcode(HOST, Type.A, Rcode.NXDOMAIN);
      clock.runNext();
      assertThat(listener.errors).containsExactly("A orders.test failed: NXDOMAIN");
      assertThat(server.queries(HOST, Type.A)).isEqualTo(1);
    }
  }

  // ---- Refresh timing -----------------------------------------------------------------------

  @Test
  void refresh_atRecordTtl_bringsChanges() {
    serve("10.0.0.1");
    start(source().refreshJitter(0).build(), listener);
    assertThat(clock.nextDelay()).isEqualTo(Duration.ofSeconds(30));

    serve("10.0.0.2", "10.0.0.3");
    clock.advance(Duration.ofSeconds(30).minusMillis(1));
    assertThat(server.queries(HOST, Type.A)).isEqualTo(1);
    assertThat(listener.lists).hasSize(1);

    clock.advance(Duration.ofMillis(1));
    assertThat(server.queries(HOST, Type.A)).isEqualTo(2);
    assertThat(listener.addresses()).containsExactly("10.0.0.2:8080", "10.0.0.3:8080");
    assertThat(clock.nextDelay()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void refresh_smallestTtlOfTheAnswerWins() {
    server.answer(HOST, Type.A, a(HOST, 40, "10.0.0.1"), a(HOST, 25, "10.0.0.2"));
    server.answer(HOST, Type.AAAA, aaaa(HOST, 35, "fd00::1"));
    start(source().refreshJitter(0).build(), listener);
    assertThat(clock.nextDelay()).isEqualTo(Duration.ofSeconds(25));
  }

  @Test
  void refresh_ttlBelowMin_clampedToDefaultMin() {
    server.answer(HOST, Type.A, a(HOST, 0, "10.0.0.1"));
    start(source().refreshJitter(0).addressFamilies(StandardProtocolFamily.INET).build(),
        listener);
    assertThat(clock.nextDelay()).isEqualTo(DnsEndpointSource.DEFAULT_MIN_TTL).hasSeconds(5);
  }

  @Test
  void refresh_ttlAboveMax_clampedToDefaultMax() {
    server.answer(HOST, Type.A, a(HOST, 86_400, "10.0.0.1"));
    start(source().refreshJitter(0).addressFamilies(StandardProtocolFamily.INET).build(),
        listener);
    assertThat(clock.nextDelay()).isEqualTo(DnsEndpointSource.DEFAULT_MAX_TTL).hasSeconds(60);
  }

  @Test
  void refresh_ttlClampedToConfiguredRange() {
    server.answer(HOST, Type.A, a(HOST, 1, "10.0.0.1"));
    start(source().refreshJitter(0).minTtl(Duration.ofSeconds(10)).maxTtl(Duration.ofSeconds(20))
        .addressFamilies(StandardProtocolFamily.INET).build(), listener);
    assertThat(clock.nextDelay()).isEqualTo(Duration.ofSeconds(10));

    server.answer(HOST, Type.A, a(HOST, 300, "10.0.0.1"));
    clock.runNext();
    assertThat(clock.nextDelay()).isEqualTo(Duration.ofSeconds(20));

    server.answer(HOST, Type.A, a(HOST, 15, "10.0.0.1"));
    clock.runNext();
    assertThat(clock.nextDelay()).isEqualTo(Duration.ofSeconds(15));
  }

  @Test
  void refresh_jitter_bringsRefreshForwardByUpToTenPercent() {
    serve("10.0.0.1");
    start(source().build(), listener);
    Set<Duration> seen = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      Duration d = clock.runNext();
      assertThat(d).isBetween(Duration.ofSeconds(27), Duration.ofSeconds(30));
      seen.add(d);
    }
    assertThat(seen).hasSizeGreaterThan(20);
    assertThat(listener.lists).hasSize(1); // an unchanged list is not delivered again
    assertThat(server.queries(HOST, Type.A)).isEqualTo(31);
  }

  // ---- Failures -------------------------------------------------------------------------------

  @Test
  void failure_nxdomain_keepsLastGoodAndReports() {
    serve("10.0.0.1");
    start(source().build(), listener);
    server.rcode(HOST, Type.A, Rcode.NXDOMAIN);
    server.rcode(HOST, Type.AAAA, Rcode.NXDOMAIN);
    clock.runNext();
    assertThat(listener.lists).hasSize(1);
    assertThat(listener.errors).containsExactly("A orders.test failed: NXDOMAIN");
  }

  @Test
  void failure_servfail_keepsLastGoodAndReports() {
    serve("10.0.0.1");
    start(source().build(), listener);
    server.rcode(HOST, Type.A, Rcode.SERVFAIL);
    clock.runNext();
    assertThat(listener.lists).hasSize(1);
    assertThat(listener.errors).containsExactly("A orders.test failed: SERVFAIL");
  }

  @Test
  void failure_aaaaFailsWhileAWorks_keepsLastGood() {
    serve("10.0.0.1", "fd00::1");
    start(source().build(), listener);
    serve("10.0.0.1");
    server.rcode(HOST, Type.AAAA, Rcode.SERVFAIL);
    clock.runNext();
    assertThat(listener.addresses()).containsExactly("10.0.0.1:8080", "[fd00::1]:8080");
    assertThat(listener.errors).containsExactly("AAAA orders.test failed: SERVFAIL");
  }

  @Test
  void failure_serverDropsQuery_timeout() {
    serve("10.0.0.1");
    start(source().queryTimeout(Duration.ofMillis(300)).build(), listener);
    server.mode(HOST, Type.A, DnsTestServer.Mode.DROP);
    clock.runNext();
    assertThat(listener.lists).hasSize(1);
    assertThat(listener.errors).containsExactly("A orders.test failed: timeout after 300 ms");
  }

  @Test
  void failure_malformedAnswer() {
    serve("10.0.0.1");
    start(source().build(), listener);
    server.mode(HOST, Type.A, DnsTestServer.Mode.GARBAGE);
    clock.runNext();
    assertThat(listener.lists).hasSize(1);
    assertThat(listener.lastError()).startsWith("A orders.test failed: malformed answer (");
  }

  @Test
  void failure_truncatedEvenOverTcp() {
    serve("10.0.0.1");
    start(source().build(), listener);
    server.mode(HOST, Type.A, DnsTestServer.Mode.ALWAYS_TRUNCATED);
    clock.runNext();
    assertThat(listener.lists).hasSize(1);
    assertThat(listener.errors).containsExactly("A orders.test failed: truncated answer");
    assertThat(server.tcpQueries(HOST, Type.A)).isEqualTo(1);
  }

  @Test
  void failure_noServerListening_ioError() throws Exception {
    serve("10.0.0.1");
    start(source().queryTimeout(Duration.ofMillis(300)).build(), listener);
    server.close();
    clock.runNext();
    assertThat(listener.lists).hasSize(1);
    assertThat(listener.lastError()).startsWith("A orders.test failed: ");
  }

  @Test
  void backoff_doublesFromOneTo32Seconds_withinTwentyPercent() {
    serve("10.0.0.1");
    start(source().build(), listener);
    server.rcode(HOST, Type.A, Rcode.SERVFAIL);
    clock.runNext(); // the TTL refresh: the first failure
    long[] expectedSeconds = {1, 2, 4, 8, 16, 32, 32, 32, 32, 32, 32, 32};
    Set<Double> factors = new HashSet<>();
    for (long expected : expectedSeconds) {
      Duration d = clock.runNext();
      double factor = d.toNanos() / (expected * 1e9);
      assertThat(factor).as("delay %s for step %s s", d, expected).isBetween(0.8, 1.2);
      factors.add(factor);
    }
    assertThat(factors).hasSize(expectedSeconds.length); // jittered, not fixed
    assertThat(listener.errors).hasSize(expectedSeconds.length + 1)
        .allMatch(e -> e.equals("A orders.test failed: SERVFAIL"));
    assertThat(listener.lists).hasSize(1);
  }

  @Test
  void backoff_jitterSpreadsAcrossTheWholeRange() {
    server.rcode(HOST, Type.A, Rcode.SERVFAIL);
    start(source().backoff(Duration.ofSeconds(10), Duration.ofSeconds(10)).build(), listener);
    double min = 2;
    double max = 0;
    for (int i = 0; i < 200; i++) {
      double factor = clock.runNext().toNanos() / 10e9;
      min = Math.min(min, factor);
      max = Math.max(max, factor);
    }
    assertThat(min).isBetween(0.8, 0.83);
    assertThat(max).isBetween(1.17, 1.2);
  }

  @Test
  void recovery_redeliversSameList_andBackoffStartsOver() {
    serve("10.0.0.1");
    start(source().refreshJitter(0).build(), listener);
    server.rcode(HOST, Type.A, Rcode.SERVFAIL);
    clock.runNext();
    clock.runNext();
    assertThat(listener.errors).hasSize(2);

    serve("10.0.0.1");
    clock.runNext();
    assertThat(listener.lists).hasSize(2); // the same list again: the listener is fresh again
    assertThat(listener.events.get(listener.events.size() - 1))
        .isEqualTo("endpoints [10.0.0.1:8080]");
    assertThat(clock.nextDelay()).isEqualTo(Duration.ofSeconds(30));

    server.rcode(HOST, Type.A, Rcode.SERVFAIL);
    clock.runNext();
    assertThat(clock.nextDelay()).isBetween(Duration.ofMillis(800), Duration.ofMillis(1200));
  }

  @Test
  void truncation_fallsBackToTcp_with2000Records() {
    Record[] records = new Record[2000];
    for (int i = 0; i < records.length; i++) {
      records[i] = a(HOST, 30, "10.1." + (i / 256) + "." + (i % 256));
    }
    server.answer(HOST, Type.A, records);
    start(source().addressFamilies(StandardProtocolFamily.INET).build(), listener);
    assertThat(listener.errors).isEmpty();
    assertThat(listener.last()).hasSize(2000);
    assertThat(listener.addresses()).startsWith("10.1.0.0:8080", "10.1.0.1:8080")
        .endsWith("10.1.7.207:8080");
    assertThat(server.udpQueries(HOST, Type.A)).isEqualTo(1);
    assertThat(server.tcpQueries(HOST, Type.A)).isEqualTo(1);
  }

  // ---- Empty answers -----------------------------------------------------------------------

  @Test
  void emptyAnswer_keepsLastGoodByDefault() {
    serve("10.0.0.1");
    start(source().build(), listener);
    serve();
    clock.runNext();
    assertThat(listener.lists).hasSize(1);
    assertThat(listener.errors).containsExactly("A orders.test failed: no records (NOERROR)");
    assertThat(clock.nextDelay()).isBetween(Duration.ofMillis(800), Duration.ofMillis(1200));
  }

  @Test
  void emptyAnswer_appliedWhenConfigured_refreshAtNegativeTtl() {
    serve("10.0.0.1");
    start(source().applyEmptyAnswers(true).refreshJitter(0).build(), listener);
    serve();
    clock.runNext();
    assertThat(listener.last()).isEmpty();
    assertThat(listener.errors).isEmpty();
    assertThat(clock.nextDelay()).isEqualTo(Duration.ofSeconds(30)); // the SOA minimum
  }

  // ---- Listeners and lifecycle ---------------------------------------------------------------

  @Test
  void start_firstLookupFails_reportsAndDoesNotThrow() {
    server.rcode(HOST, Type.A, Rcode.SERVFAIL);
    start(source().build(), listener);
    assertThat(listener.lists).isEmpty();
    assertThat(listener.errors).containsExactly("A orders.test failed: SERVFAIL");
    assertThat(clock.nextDelay()).isBetween(Duration.ofMillis(800), Duration.ofMillis(1200));
  }

  @Test
  void start_secondListener_getsCurrentStateAtOnce_andSharesTheLookups() {
    serve("10.0.0.1");
    DnsEndpointSource source = source().build();
    EndpointSource.Subscription first = start(source, listener);
    server.rcode(HOST, Type.A, Rcode.SERVFAIL);
    clock.runNext();

    RecordingListener second = new RecordingListener();
    EndpointSource.Subscription other = start(source, second);
    assertThat(second.events).containsExactly("endpoints [10.0.0.1:8080]",
        "error A orders.test failed: SERVFAIL");
    assertThat(server.queries(HOST, Type.A)).isEqualTo(2);
    assertThat(clock.pending()).isEqualTo(1);

    first.close();
    assertThat(clock.isShutdown()).isFalse();
    serve("10.0.0.2");
    clock.runNext();
    assertThat(second.addresses()).containsExactly("10.0.0.2:8080");
    assertThat(listener.addresses()).containsExactly("10.0.0.1:8080"); // closed: no more calls

    other.close();
    assertThat(clock.isShutdown()).isTrue();
    assertThat(clock.pending()).isZero();
    assertThat(clock.threadName()).isEqualTo("lb-client-dns-orders.test");
  }

  @Test
  void start_afterLastClose_startsAgain() {
    serve("10.0.0.1");
    DnsEndpointSource source = source().build();
    source.start(listener).close();
    assertThat(clock.isShutdown()).isTrue();

    serve("10.0.0.2");
    RecordingListener again = new RecordingListener();
    start(source, again);
    assertThat(again.addresses()).containsExactly("10.0.0.2:8080");
    assertThat(clock.isShutdown()).isFalse();
    assertThat(clock.pending()).isEqualTo(1);
  }

  @Test
  void close_isIdempotent() {
    serve("10.0.0.1");
    DnsEndpointSource source = source().build();
    EndpointSource.Subscription s = source.start(listener);
    RecordingListener other = new RecordingListener();
    EndpointSource.Subscription t = start(source, other);
    s.close();
    s.close(); // must not count as the second subscription's close
    assertThat(clock.isShutdown()).isFalse();
    t.close();
    assertThat(clock.isShutdown()).isTrue();
  }
}
