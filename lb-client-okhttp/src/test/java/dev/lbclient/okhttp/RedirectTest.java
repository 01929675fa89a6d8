package dev.lbclient.okhttp;

import static dev.lbclient.okhttp.Fixtures.closeAll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.EndpointStats;
import dev.lbclient.LoadBalancer;
import dev.lbclient.RetryBudget;
import dev.lbclient.RetryPolicy;
import dev.lbclient.Strategy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.Dns;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Redirects below the interceptor, and what reaches logs (figure 13). */
class RedirectTest {
  private static final String SECRET = "s3cr3t-token-value";

  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    closeAll(resources);
  }

  private Backend backend(String address) throws Exception {
    Backend b = Backend.start(address);
    resources.add(b);
    return b;
  }

  private LoadBalancer lb(Endpoint... endpoints) {
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(endpoints))
        .strategy(Strategy.roundRobin())
        .retryPolicy(RetryPolicy.builder().budget(RetryBudget.unlimited()).build())
        .build();
    resources.add(lb);
    return lb;
  }

  /** The client resolves foreign.test to 127.0.0.3 itself; the balancer knows nothing of it. */
  private static OkHttpClient client(LoadBalancer lb) {
    Dns dns = hostname -> hostname.equals("foreign.test")
        ? List.of(InetAddress.getByName("127.0.0.3")) : Dns.SYSTEM.lookup(hostname);
    return Fixtures.client()
        .dns(dns)
        .addInterceptor(Fixtures.interceptor("orders", lb, new Fixtures.RecordingSleeper()))
        .build();
  }

  @Test
  void redirect_toForeignHost_followedByOkHttpNotRebalanced_authorizationStripped()
      throws Exception {
    Backend endpoint = backend("127.0.0.1");
    Backend foreign = backend("127.0.0.3");
    endpoint.answer(r -> new MockResponse.Builder().code(302)
        .setHeader("Location", "http://foreign.test:" + foreign.port() + "/landing").build());
    foreign.answer(r -> new MockResponse.Builder().body("foreign").build());
    LoadBalancer lb = lb(endpoint.endpoint());
    OkHttpClient client = client(lb);

    Request request = new Request.Builder().url("http://orders/start")
        .header("Authorization", "Bearer " + SECRET)
        .build();
    try (Response response = client.newCall(request).execute()) {
      assertThat(response.body().string()).isEqualTo("foreign");
      assertThat(response.request().url().host()).isEqualTo("foreign.test");
      assertThat(response.priorResponse().code()).isEqualTo(302);
      assertThat(LoadBalancingInterceptor.endpointOf(response)).isNull();
    }

    assertThat(endpoint.hits.get()).isEqualTo(1);
    assertThat(endpoint.requests.peek().getHeaders().get("Authorization"))
        .isEqualTo("Bearer " + SECRET);
    RecordedRequest landed = foreign.requests.peek();
    assertThat(landed.getTarget()).isEqualTo("/landing");
    assertThat(landed.getHeaders().get("Authorization")).isNull();
    assertThat(landed.getHeaders().get("Host")).isEqualTo("foreign.test:" + foreign.port());
    EndpointStats s = lb.stats().get(0);
    assertThat(s.successes()).isEqualTo(1);
    assertThat(s.failures()).isZero();
    assertThat(s.inFlight()).isZero();
  }

  @Test
  void redirect_toAnotherRegisteredService_notBalancedAgain() throws Exception {
    Backend endpoint = backend("127.0.0.1");
    Backend foreign = backend("127.0.0.3");
    Backend paymentsEndpoint = backend("127.0.0.2");
    endpoint.answer(r -> new MockResponse.Builder().code(307)
        .setHeader("Location", "http://foreign.test:" + foreign.port() + "/").build());
    LoadBalancer orders = lb(endpoint.endpoint());
    LoadBalancer payments = LoadBalancer.builder("payments")
        .endpoints(EndpointSource.of(paymentsEndpoint.endpoint())).build();
    resources.add(payments);
    Dns dns = hostname -> hostname.equals("foreign.test")
        ? List.of(InetAddress.getByName("127.0.0.3")) : Dns.SYSTEM.lookup(hostname);
    OkHttpClient client = Fixtures.client()
        .dns(dns)
        .addInterceptor(LoadBalancingInterceptor.builder()
            .service("orders", orders)
            .service("foreign.test", payments)
            .build())
        .build();

    assertThat(Fixtures.get(client, "http://orders/")).isEqualTo("200 ok");

    assertThat(foreign.hits.get()).isEqualTo(1);
    assertThat(paymentsEndpoint.hits.get()).isZero();
    assertThat(payments.stats().get(0).successes()).isZero();
  }

  @Test
  void redirect_foreignHostFails_notCountedAgainstTheEndpoint() throws Exception {
    Backend endpoint = backend("127.0.0.1");
    Backend foreign = backend("127.0.0.3");
    endpoint.answer(r -> new MockResponse.Builder().code(302)
        .setHeader("Location", "http://foreign.test:" + foreign.port() + "/").build());
    foreign.answer(r -> Backend.status(500));
    LoadBalancer lb = lb(endpoint.endpoint());
    OkHttpClient client = client(lb);

    assertThat(Fixtures.get(client, "http://orders/")).isEqualTo("500 status 500");

    assertThat(endpoint.hits.get()).isEqualTo(1);
    assertThat(lb.stats().get(0).failures()).isZero();
  }

  @Test
  void redirect_sameLogicalHost_staysOnTheSameEndpoint() throws Exception {
    Backend a = backend("127.0.0.1");
    Backend b = backend("127.0.0.2");
    for (Backend x : List.of(a, b)) {
      x.answer(r -> r.getTarget().equals("/start")
          ? new MockResponse.Builder().code(302).setHeader("Location", "/next").build()
          : new MockResponse.Builder().body("next from " + x.address).build());
    }
    LoadBalancer lb = lb(a.endpoint(), b.endpoint());
    OkHttpClient client = client(lb);

    for (int i = 0; i < 4; i++) {
      try (Response response = client.newCall(
          new Request.Builder().url("http://orders/start").build()).execute()) {
        Endpoint served = LoadBalancingInterceptor.endpointOf(response);
        assertThat(served).isNotNull();
        assertThat(response.body().string()).isEqualTo("next from " + served.host());
      }
    }

    for (Backend x : List.of(a, b)) {
      assertThat(x.requests).extracting(RecordedRequest::getTarget)
          .containsExactly("/start", "/next", "/start", "/next");
    }
  }

  @Test
  void logs_retriesAndRedirects_neverContainHeaderValuesOrQuery() throws Exception {
    Backend refused = backend("127.0.0.2");
    Endpoint dead = refused.endpoint();
    refused.close();
    Backend live = backend("127.0.0.1");
    LoadBalancer lb = lb(dead, live.endpoint());
    OkHttpClient client = client(lb);

    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      for (int i = 0; i < 4; i++) {
        Request request = new Request.Builder().url("http://orders/a?token=" + SECRET)
            .header("Authorization", "Bearer " + SECRET)
            .header("Cookie", "session=" + SECRET)
            .build();
        try (Response response = client.newCall(request).execute()) {
          assertThat(response.code()).isEqualTo(200);
        }
      }
    } finally {
      System.setErr(original);
    }

    String logs = captured.toString(StandardCharsets.UTF_8);
    assertThat(logs).contains("retrying GET http://orders/");
    assertThat(logs).doesNotContain(SECRET);
  }
}
