package dev.lbclient.samples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

/** Starts the sample application against three loopback backends and calls them. */
@Timeout(60)
class SpringBootExampleTest {
  private final List<HttpServer> backends = new ArrayList<>();

  @AfterEach
  void stop() {
    backends.forEach(b -> b.stop(0));
  }

  @Test
  void sample_balancesRestClientCallsOverTheBackends() throws IOException {
    List<String> endpoints = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      HttpServer server = HttpServer.create(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      byte[] name = ("backend-" + i).getBytes(StandardCharsets.UTF_8);
      server.createContext("/", exchange -> {
        exchange.sendResponseHeaders(200, name.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(name);
        }
      });
      server.start();
      backends.add(server);
      endpoints.add("127.0.0.1:" + server.getAddress().getPort());
    }
    Map<String, Integer> counts = new TreeMap<>();
    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(SpringBootExample.class)
        .web(WebApplicationType.NONE)
        .run("--lbclient.services.orders.endpoints=" + String.join(",", endpoints),
            "--lbclient.services.orders.strategy=roundRobin")) {
      RestClient orders = app.getBean("orders", RestClient.class);
      for (int i = 0; i < 12; i++) {
        counts.merge(orders.get().uri("/items/{id}", i).retrieve().body(String.class), 1,
            Integer::sum);
      }
    }
    assertThat(counts).isEqualTo(Map.of("backend-0", 4, "backend-1", 4, "backend-2", 4));
  }
}
