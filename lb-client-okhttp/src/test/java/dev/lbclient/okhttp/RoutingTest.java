package dev.lbclient.okhttp;

import static dev.lbclient.okhttp.Fixtures.closeAll;
import static dev.lbclient.okhttp.Fixtures.get;
import static dev.lbclient.okhttp.Fixtures.hits;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.RequestContext;
import dev.lbclient.Strategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RoutingTest {
  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    closeAll(resources);
  }

  private <T extends AutoCloseable> T track(T resource) {
    resources.add(resource);
    return resource;
  }

  private List<Backend> threeAddressesSamePort() throws Exception {
    List<Backend> backends = Backend.samePort(null, "127.0.0.1", "127.0.0.2", "127.0.0.3");
    resources.addAll(backends);
    return backends;
  }

  private List<Backend> threePorts() throws Exception {
    List<Backend> backends = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      backends.add(track(Backend.start("127.0.0.1")));
    }
    return backends;
  }

  @Test
  void balancing_threeAddressesSamePort_roundRobinExactlyEvenWithOneConnectionEach()
      throws Exception {
    List<Backend> backends = threeAddressesSamePort();
    LoadBalancer lb = track(Fixtures.roundRobin("orders", backends));
    OkHttpClient client =
        Fixtures.client(Fixtures.interceptor("orders", lb, new Fixtures.RecordingSleeper()));
    int port = backends.get(0).port();

    for (int i = 0; i < 30; i++) {
      assertThat(get(client, "http://orders:" + port + "/items/" + i)).isEqualTo("200 ok");
    }

    assertThat(hits(backends)).containsExactly(10, 10, 10);
    assertThat(client.connectionPool().connectionCount()).isEqualTo(3);
    for (Backend b : backends) {
      RecordedRequest r = b.requests.peek();
      assertThat(r.getHeaders().get("Host")).isEqualTo("orders:" + port);
    }
  }

  @Test
  void balancing_differentPorts_rewritesOnlyThePort() throws Exception {
    List<Backend> backends = threePorts();
    LoadBalancer lb = track(Fixtures.roundRobin("orders", backends));
    OkHttpClient client =
        Fixtures.client(Fixtures.interceptor("orders", lb, new Fixtures.RecordingSleeper()));

    for (int i = 0; i < 30; i++) {
      assertThat(get(client, "http://orders/items?page=" + i)).isEqualTo("200 ok");
    }

    assertThat(hits(backends)).containsExactly(10, 10, 10);
    for (Backend b : backends) {
      RecordedRequest r = b.requests.peek();
      assertThat(r.getHeaders().get("Host")).isEqualTo("orders:" + b.port());
      assertThat(r.getTarget()).startsWith("/items?page=");
    }
    assertThat(client.connectionPool().connectionCount()).isEqualTo(3);
  }

  @Test
  void passThrough_otherHost_untouched() throws Exception {
    List<Backend> backends = threePorts();
    Backend direct = backends.get(0);
    LoadBalancer lb = track(Fixtures.roundRobin("orders", backends.subList(1, 3)));
    OkHttpClient client =
        Fixtures.client(Fixtures.interceptor("orders", lb, new Fixtures.RecordingSleeper()));

    Request request = new Request.Builder()
        .url("http://127.0.0.1:" + direct.port() + "/plain?q=1")
        .build();
    try (Response response = client.newCall(request).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.request().url()).isEqualTo(request.url());
      assertThat(LoadBalancingInterceptor.endpointOf(response)).isNull();
    }

    assertThat(hits(backends)).containsExactly(1, 0, 0);
    assertThat(direct.requests.peek().getHeaders().get("Host"))
        .isEqualTo("127.0.0.1:" + direct.port());
    assertThat(lb.stats()).allSatisfy(s -> {
      assertThat(s.successes()).isZero();
      assertThat(s.inFlight()).isZero();
    });
  }

  @Test
  void endpointOf_balancedResponse_isTheEndpointThatServedIt() throws Exception {
    List<Backend> backends = threePorts();
    LoadBalancer lb = track(Fixtures.roundRobin("orders", backends));
    OkHttpClient client =
        Fixtures.client(Fixtures.interceptor("orders", lb, new Fixtures.RecordingSleeper()));

    for (int i = 0; i < 6; i++) {
      int[] before = hits(backends);
      try (Response response = client.newCall(
          new Request.Builder().url("http://orders/").build()).execute()) {
        Endpoint served = LoadBalancingInterceptor.endpointOf(response);
        int[] after = hits(backends);
        int hit = -1;
        for (int b = 0; b < 3; b++) {
          if (after[b] != before[b]) {
            hit = b;
          }
        }
        assertThat(served).isEqualTo(backends.get(hit).endpoint());
      }
    }
  }

  @Test
  void services_twoRegistered_neverReachEachOthersEndpoints() throws Exception {
    List<Backend> backends = threePorts();
    LoadBalancer orders = track(Fixtures.roundRobin("orders", backends.subList(0, 2)));
    LoadBalancer payments = track(Fixtures.roundRobin("payments", backends.subList(2, 3)));
    OkHttpClient client = Fixtures.client(LoadBalancingInterceptor.builder()
        .service("orders", orders)
        .service("payments.internal", payments)
        .sleeper(new Fixtures.RecordingSleeper())
        .build());

    for (int i = 0; i < 20; i++) {
      get(client, "http://orders/o");
      get(client, "http://payments.internal/p");
    }

    assertThat(hits(backends)).containsExactly(10, 10, 20);
    for (int b = 0; b < 2; b++) {
      assertThat(backends.get(b).requests).extracting(RecordedRequest::getTarget)
          .containsOnly("/o");
    }
    assertThat(backends.get(2).requests).extracting(RecordedRequest::getTarget).containsOnly("/p");
  }

  static Stream<Arguments> strategies() {
    return Stream.of(
        Arguments.of("roundRobin", Strategy.roundRobin(), 30, new int[] {10, 10, 10}),
        // Weights 1, 2, 3: W = 6 has no well-spread multiplier, so the cycle is 12 picks; 36
        // requests are three whole cycles whatever the random start.
        Arguments.of("weightedRoundRobin", Strategy.weightedRoundRobin(), 36,
            new int[] {6, 12, 18}),
        Arguments.of("leastConnections", Strategy.leastConnections(), 60, null),
        Arguments.of("leastTime", Strategy.leastTime(), 60, null),
        Arguments.of("powerOfTwoChoices", Strategy.powerOfTwoChoices(), 60, null),
        Arguments.of("random", Strategy.random(), 60, null),
        Arguments.of("consistentHash", Strategy.consistentHash(), 30, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("strategies")
  void distribution_perStrategy(String name, Strategy strategy, int requests, int[] exact)
      throws Exception {
    List<Backend> backends = threePorts();
    Endpoint[] endpoints = Fixtures.endpoints(backends);
    for (int i = 0; i < 3; i++) {
      endpoints[i] = endpoints[i].withWeight(i + 1);
    }
    LoadBalancer lb = track(LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(endpoints))
        .strategy(strategy)
        .build());
    OkHttpClient client =
        Fixtures.client(Fixtures.interceptor("orders", lb, new Fixtures.RecordingSleeper()));
    boolean hashing = strategy == Strategy.consistentHash();

    for (int i = 0; i < requests; i++) {
      Request.Builder request = new Request.Builder().url("http://orders/");
      if (hashing) {
        request.tag(RequestContext.class, RequestContext.withKey("user-7"));
      }
      try (Response response = client.newCall(request.build()).execute()) {
        assertThat(response.code()).isEqualTo(200);
      }
    }

    int[] hits = hits(backends);
    assertThat(Arrays.stream(hits).sum()).isEqualTo(requests);
    if (exact != null) {
      assertThat(hits).containsExactly(exact);
    } else if (hashing) {
      assertThat(hits).containsOnlyOnce(requests);
    } else {
      assertThat(hits).doesNotContain(0);
    }
    assertThat(Fixtures.inFlight(lb)).isZero();
  }
}
