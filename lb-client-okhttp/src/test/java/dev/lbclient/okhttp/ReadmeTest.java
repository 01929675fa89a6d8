package dev.lbclient.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import java.util.ArrayList;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** The README's OkHttp quickstart, as written but for loopback endpoints. */
class ReadmeTest {
  @Test
  void quickstart_asWritten() throws Exception {
    List<Backend> backends = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      backends.add(Backend.start("127.0.0." + i));
    }
    try {
      LoadBalancer orders = LoadBalancer.builder("orders")
          .endpoints(EndpointSource.of(backends.get(0).endpoint().address(),
              backends.get(1).endpoint().address(), backends.get(2).endpoint().address()))
          .build();

      OkHttpClient client = new OkHttpClient.Builder()
          .addInterceptor(LoadBalancingInterceptor.builder().service("orders", orders).build())
          .build();

      Request request = new Request.Builder().url("http://orders/items/42").build();
      try (Response response = client.newCall(request).execute()) {
        assertThat(response.code()).isEqualTo(200);
        assertThat(LoadBalancingInterceptor.endpointOf(response)).isNotNull();
        assertThat(response.body().string()).isEqualTo("ok");
      }

      orders.close();
      assertThat(backends).extracting(b -> b.hits.get()).containsOnlyOnce(1);
    } finally {
      Fixtures.closeAll(backends);
    }
  }
}
