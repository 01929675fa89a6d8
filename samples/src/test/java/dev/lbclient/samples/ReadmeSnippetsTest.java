package dev.lbclient.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.LoadBalancerListener;
import dev.lbclient.Pick;
import dev.lbclient.RequestContext;
import dev.lbclient.Strategy;
import dev.lbclient.dns.DnsEndpointSource;
import dev.lbclient.micrometer.LoadBalancerMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's selector-API snippets, as written there, so that they keep compiling. (The OkHttp,
 * gRPC and DNS sections are run by tests in their modules.)
 */
class ReadmeSnippetsTest {
  private final List<String> called = new ArrayList<>();

  private String callSomething(Endpoint endpoint) {
    called.add(endpoint.address());
    return "ok from " + endpoint.port();
  }

  @Test
  void selectorApi_asInTheReadme() {
    String userId = "user-42";

    LoadBalancer orders = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080"))
        .strategy(Strategy.leastTime())        // omitted: Strategy.powerOfTwoChoices()
        .build();

    // Routed, reported, retried on another endpoint when safe, within a retry budget:
    String answer = orders.execute(endpoint -> callSomething(endpoint));

    // Or take the lease yourself:
    try (Pick pick = orders.pick()) {          // orders.pick(RequestContext.withKey(userId)) to hash
      Endpoint e = pick.endpoint();            // e.host(), e.port(), e.weight()
      callSomething(e);                        // if this throws, close() records a failure
      pick.success();                          // or pick.failure(exception), or pick.cancel()
    }

    orders.close();                            // stops refreshes, health checks and timers

    assertThat(answer).isEqualTo("ok from 8080");
    assertThat(called).hasSize(2);
    assertThat(orders.stats().stream().mapToLong(s -> s.successes()).sum()).isEqualTo(2);
    assertThat(RequestContext.withKey(userId).key()).isEqualTo("user-42");
  }

  /** The same lease snippet with a call that throws: the failure reaches the endpoint's counters. */
  @Test
  void selectorApi_leaseIdiom_callThrows_recordsFailure() {
    LoadBalancer orders = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:8080"))
        .build();

    assertThatThrownBy(() -> {
      try (Pick pick = orders.pick()) {          // orders.pick(RequestContext.withKey(userId)) to hash
        Endpoint e = pick.endpoint();            // e.host(), e.port(), e.weight()
        failingCall(e);                          // if this throws, close() records a failure
        pick.success();                          // or pick.failure(exception), or pick.cancel()
      }
    }).isInstanceOf(IllegalStateException.class).hasMessage("connection reset by 10.0.0.1:8080");

    assertThat(orders.stats().get(0).failures()).isEqualTo(1);
    assertThat(orders.stats().get(0).successes()).isZero();
    assertThat(orders.stats().get(0).inFlight()).isZero();
    orders.close();
  }

  private static String failingCall(Endpoint endpoint) {
    throw new IllegalStateException("connection reset by " + endpoint.address());
  }

  @Test
  void eventsAndReadiness_asInTheReadme() throws Exception {
    LoadBalancer orders = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:8080", "10.0.0.2:8080"))
        .build();
    java.util.concurrent.CompletableFuture<String> printed = new java.util.concurrent.CompletableFuture<>();

    LoadBalancerListener.Registration events = orders.addListener(new LoadBalancerListener() {
      @Override
      public void onEjected(String service, Endpoint endpoint, Duration duration, String reason) {
        System.out.println(service + ": " + endpoint + " ejected for " + duration + ": " + reason);
        printed.complete(endpoint.address());
      }
    });
    orders.whenReady().get(5, TimeUnit.SECONDS);  // the first non-empty list has arrived

    for (int i = 0; i < 5; i++) {
      orders.pick(RequestContext.none(), e -> e.port() == 8080 && e.host().endsWith(".1"))
          .failure(new java.io.IOException("refused"));
    }
    assertThat(printed.get(30, TimeUnit.SECONDS)).isEqualTo("10.0.0.1:8080");
    events.close();                                // stops the events

    orders.close();
  }

  @Test
  void endpointParse_asInTheReadme() {
    Endpoint e = Endpoint.parse("10.0.0.1:8080;weight=3;zone=eu-1a");
    assertThat(e.weight()).isEqualTo(3);
    assertThat(e.zone()).isEqualTo("eu-1a");
  }

  @Test
  void metricsAndExplanations_asInTheReadme() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    LoadBalancer orders = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:8080", "10.0.0.2:8080"))
        .listener(LoadBalancerMetrics.of(registry))
        .build();

    orders.explainPicks(true);
    try (Pick pick = orders.pick()) {
      System.out.println(pick.explanation());
      assertThat(pick.explanation().toString()).startsWith("orders -> " + pick.endpoint().address()
          + " by powerOfTwoChoices: compared ");
    }
    orders.explainPicks(false);

    LoadBalancer users = LoadBalancer.builder("users")
        .endpoints(EndpointSource.of("10.0.1.1:8080"))
        .build();
    LoadBalancerListener.Registration metrics = LoadBalancerMetrics.bind(users, registry);
    metrics.close();                               // unbinds and removes the meters

    assertThat(registry.get("lbclient.pool.size").tags("service", "orders").gauge().value())
        .isEqualTo(2);
    assertThat(registry.find("lbclient.pool.size").tags("service", "users").gauge()).isNull();
    orders.close();
    users.close();
  }

  /**
   * The README's DNS snippet, compiled as written. Not run: building a load balancer on it would
   * query the system's resolver, and tests talk only to loopback. (DNS discovery itself is tested
   * against servers on 127.0.0.1 in lb-client-dns.)
   */
  @SuppressWarnings("unused")
  private static DnsEndpointSource dnsSnippet() {
    LoadBalancer orders = LoadBalancer.builder("orders")
        .endpoints(DnsEndpointSource.srv("_http._tcp.orders.internal"))
        .build();

    // Or the A and AAAA records of a name, each address with port 8080:
    LoadBalancer ordersByName = LoadBalancer.builder("orders")
        .endpoints(DnsEndpointSource.a("orders.internal", 8080))
        .build();

    return customDnsSource();
  }

  private static DnsEndpointSource customDnsSource() {
    // Everything below is optional; shown with the defaults except for the servers.
    DnsEndpointSource custom = DnsEndpointSource.builder("_http._tcp.orders.internal")
        .servers(new InetSocketAddress("10.0.0.53", 53))   // default: the system's resolver configuration
        .queryTimeout(Duration.ofSeconds(2))
        .minTtl(Duration.ofSeconds(5))
        .maxTtl(Duration.ofSeconds(60))
        .refreshJitter(0.1)
        .backoff(Duration.ofSeconds(1), Duration.ofSeconds(32))
        .addressFamilies(StandardProtocolFamily.INET, StandardProtocolFamily.INET6)
        .applyEmptyAnswers(false)
        .build();
    return custom;
  }

  @Test
  void dnsBuilder_asInTheReadme_buildsWithoutLookingAnythingUp() {
    assertThat(customDnsSource().description()).isEqualTo("SRV _http._tcp.orders.internal");
  }
}
