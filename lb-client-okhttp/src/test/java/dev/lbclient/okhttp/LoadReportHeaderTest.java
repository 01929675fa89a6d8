package dev.lbclient.okhttp;

import static dev.lbclient.okhttp.Fixtures.closeAll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.RetryPolicy;
import dev.lbclient.Strategy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import mockwebserver3.MockResponse;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The {@code endpoint-load-metrics} response header, read end to end from loopback servers. */
class LoadReportHeaderTest {
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @AfterEach
  void tearDown() throws Exception {
    closeAll(resources);
  }

  private Backend backend(String address, String header, String value) throws IOException {
    Backend b = Backend.start(address);
    resources.add(b);
    b.answer(r -> new MockResponse.Builder().code(200).addHeader(header, value).body("ok")
        .build());
    return b;
  }

  private OkHttpClient client(List<Backend> backends) {
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(Fixtures.endpoints(backends)))
        .strategy(Strategy.weightedByLoadReports())
        .retryPolicy(RetryPolicy.none())
        .noCircuitBreakers()
        .ticker(now::get)
        .build();
    resources.add(lb);
    return Fixtures.client(Fixtures.interceptor("orders", lb, new Fixtures.RecordingSleeper()));
  }

  @Test
  void header_textAndBinary_weighTheEndpoints() throws IOException {
    // weights 100 / 0.2 = 500 and 100 / 0.8 = 125: 1.6 and 0.4 x the mean, 4 to 1
    Backend light = backend("127.0.0.1", "endpoint-load-metrics",
        "TEXT cpu_utilization=0.2, rps_fractional=100, named_metrics.in_flight=1");
    Backend busy = backend("127.0.0.2", "endpoint-load-metrics-bin",
        "CZqZmZmZmek/MQAAAAAAAFlA"); // cpu_utilization 0.8, rps_fractional 100
    OkHttpClient client = client(List.of(light, busy));

    for (int i = 0; i < 20; i++) {
      Fixtures.get(client, "http://orders/");
    }
    assertThat(light.hits.get()).isEqualTo(10); // round robin during the 10 s blackout
    assertThat(busy.hits.get()).isEqualTo(10);

    now.addAndGet(10_000_000_000L);
    for (int i = 0; i < 50; i++) {
      Fixtures.get(client, "http://orders/");
    }

    assertThat(light.hits.get() - 10).isEqualTo(40);
    assertThat(busy.hits.get() - 10).isEqualTo(10);
  }

  @Test
  void header_malformed_isIgnoredAndTheCallSucceeds() throws IOException {
    Backend a = backend("127.0.0.1", "endpoint-load-metrics", "TEXT cpu_utilization=lots");
    Backend b = backend("127.0.0.2", "endpoint-load-metrics", "JSON {\"eps\": 1,}");
    OkHttpClient client = client(List.of(a, b));

    for (int i = 0; i < 4; i++) {
      assertThat(Fixtures.get(client, "http://orders/")).isEqualTo("200 ok");
    }
    now.addAndGet(10_000_000_000L);
    for (int i = 0; i < 10; i++) {
      Fixtures.get(client, "http://orders/");
    }

    // no weights were learned: still round robin
    assertThat(a.hits.get()).isEqualTo(7);
    assertThat(b.hits.get()).isEqualTo(7);
  }
}
