package dev.lbclient.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.lbclient.LoadBalancer;
import dev.lbclient.LoadBalancerListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

/** A Boot application calling three real loopback backends through RestClient and RestTemplate. */
@SpringBootTest(classes = LbClientApplicationTest.App.class, properties = {
    "lbclient.services.orders.strategy=roundRobin",
    "lbclient.services.orders.retry.max-attempts=1"})
@Timeout(60)
class LbClientApplicationTest {
  private static final List<HttpServer> BACKENDS = new ArrayList<>();
  private static final Map<String, AtomicInteger> HITS = new ConcurrentHashMap<>();

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {
    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }
  }

  @DynamicPropertySource
  static void backends(DynamicPropertyRegistry registry) throws IOException {
    List<String> endpoints = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      HttpServer server = HttpServer.create(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      String name = "backend-" + i;
      HITS.put(name, new AtomicInteger());
      server.createContext("/", exchange -> {
        HITS.get(name).incrementAndGet();
        byte[] request = exchange.getRequestBody().readAllBytes();
        String body = name + " " + exchange.getRequestMethod() + " "
            + exchange.getRequestURI().getPath() + " "
            + new String(request, StandardCharsets.UTF_8) + " "
            + exchange.getRequestHeaders().getFirst("Content-Type") + " "
            + exchange.getRequestHeaders().getFirst("Host");
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("X-Backend", name);
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(bytes);
        }
      });
      server.start();
      BACKENDS.add(server);
      endpoints.add("127.0.0.1:" + server.getAddress().getPort());
    }
    registry.add("lbclient.services.orders.endpoints", () -> String.join(",", endpoints));
  }

  @AfterAll
  static void stopBackends() {
    BACKENDS.forEach(server -> server.stop(0));
  }

  @Autowired RestClient.Builder restClientBuilder;
  @Autowired RestTemplateBuilder restTemplateBuilder;
  @Autowired @Qualifier("orders") LoadBalancer orders;
  @Autowired MeterRegistry meterRegistry;
  @Autowired LbClientEndpoint endpoint;
  @Autowired @Qualifier("lbclientHealthContributor") CompositeHealthContributor health;
  @Autowired HealthEndpoint healthEndpoint;

  @Test
  void restClientAndRestTemplate_spreadCallsEvenlyOverTheBackends() throws Exception {
    RestClient client = restClientBuilder.build();
    HITS.values().forEach(h -> h.set(0));
    for (int i = 0; i < 30; i++) {
      String body = client.get().uri("http://orders/items/{id}", i).retrieve().body(String.class);
      assertThat(body).matches("backend-\\d GET /items/" + i + " +null orders:\\d+");
    }
    assertThat(HITS).allSatisfy((name, hits) -> assertThat(hits.get()).isEqualTo(10));

    String posted = client.post().uri("http://orders/orders").contentType(MediaType.TEXT_PLAIN)
        .body("one pizza").retrieve().body(String.class);
    assertThat(posted).matches("backend-\\d POST /orders one pizza text/plain orders:\\d+");

    var template = restTemplateBuilder.build();
    for (int i = 0; i < 30; i++) {
      template.getForObject("http://orders/items/" + i, String.class);
    }
    assertThat(HITS.values().stream().mapToInt(AtomicInteger::get).sum()).isEqualTo(61);
    assertThat(HITS).allSatisfy((name, hits) -> assertThat(hits.get()).isBetween(20, 21));
    assertThat(orders.stats()).allSatisfy(s -> assertThat(s.successes()).isBetween(20L, 21L));

    // Metrics: wait for the binder's onInit, delivered in order before this listener's replay.
    CountDownLatch replayed = new CountDownLatch(1);
    try (LoadBalancerListener.Registration r = orders.addListener(new LoadBalancerListener() {
      @Override
      public void onInit(LoadBalancer lb) {
        replayed.countDown();
      }
    })) {
      assertThat(replayed.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(meterRegistry.get("lbclient.pool.size").tag("service", "orders").gauge().value())
        .isEqualTo(3.0);
  }

  @Test
  void healthAndEndpoint_showEachEndpoint() {
    var indicator = (HealthIndicator) health.getContributor("orders");
    var h = indicator.health();
    assertThat(h.getStatus()).isEqualTo(Status.UP);
    assertThat(h.getDetails()).hasSize(2 + 3).containsEntry("strategy", "roundRobin");
    // Boot's own health endpoint finds the contributor under "lbclient", one child per service.
    assertThat(healthEndpoint.healthForPath("lbclient", "orders").getStatus()).isEqualTo(Status.UP);
    assertThat(healthEndpoint.healthForPath("lbclient").getStatus()).isEqualTo(Status.UP);

    Map<String, Object> view = endpoint.services();
    assertThat(view).containsOnlyKeys("orders");
    @SuppressWarnings("unchecked")
    Map<String, Object> orders = (Map<String, Object>) view.get("orders");
    assertThat(orders).containsEntry("state", "UP").containsEntry("strategy", "roundRobin")
        .containsEntry("source", Map.of("stale", false));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> endpoints = (List<Map<String, Object>>) orders.get("endpoints");
    assertThat(endpoints).hasSize(3).allSatisfy(e -> assertThat(e)
        .containsEntry("usable", true).containsEntry("ejected", false)
        .containsEntry("healthy", true).containsEntry("breaker", "CLOSED")
        .containsEntry("share", 1.0));
  }
}
