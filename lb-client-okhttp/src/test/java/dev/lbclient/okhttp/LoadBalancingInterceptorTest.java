package dev.lbclient.okhttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.MutableEndpointSource;
import dev.lbclient.NoEndpointAvailableException;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoadBalancingInterceptorTest {
  private final LoadBalancer lb = LoadBalancer.builder("orders")
      .endpoints(EndpointSource.of("127.0.0.1:8080"))
      .build();

  @AfterEach
  void tearDown() {
    lb.close();
  }

  @Test
  void service_emptyName() {
    assertThatThrownBy(() -> LoadBalancingInterceptor.builder().service("", lb))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("service name: '' (expected: a host name as in a URL, e.g. orders or "
            + "orders.internal)");
  }

  @Test
  void service_nameWithPort() {
    assertThatThrownBy(() -> LoadBalancingInterceptor.builder().service("orders:8080", lb))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("service name: 'orders:8080' (expected: a host name as in a URL, e.g. orders"
            + " or orders.internal)");
  }

  @Test
  void service_nameWithSpaceOrPath() {
    assertThatThrownBy(() -> LoadBalancingInterceptor.builder().service("or ders", lb))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("service name: 'or ders' (expected:");
    assertThatThrownBy(() -> LoadBalancingInterceptor.builder().service("orders/x", lb))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("service name: 'orders/x' (expected:");
  }

  @Test
  void service_nullArguments() {
    assertThatThrownBy(() -> LoadBalancingInterceptor.builder().service(null, lb))
        .isInstanceOf(NullPointerException.class).hasMessage("name");
    assertThatThrownBy(() -> LoadBalancingInterceptor.builder().service("orders", null))
        .isInstanceOf(NullPointerException.class).hasMessage("loadBalancer");
  }

  @Test
  void service_registeredTwice_caseInsensitive() {
    LoadBalancingInterceptor.Builder builder = LoadBalancingInterceptor.builder()
        .service("orders", lb);

    assertThatThrownBy(() -> builder.service("ORDERS", lb))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("service 'orders' was already registered with " + lb);
  }

  @Test
  void build_noService() {
    assertThatThrownBy(() -> LoadBalancingInterceptor.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("no service registered (call service(name, loadBalancer) before build())");
  }

  @Test
  void endpointOf_null() {
    assertThatThrownBy(() -> LoadBalancingInterceptor.endpointOf(null))
        .isInstanceOf(NullPointerException.class).hasMessage("response");
  }

  @Test
  void noEndpoint_failsWithIoExceptionCausedByTheCoresException() {
    MutableEndpointSource source = EndpointSource.mutable();
    try (LoadBalancer empty = LoadBalancer.builder("orders").endpoints(source).build()) {
      OkHttpClient client = Fixtures.client(LoadBalancingInterceptor.builder()
          .service("orders", empty).build());

      assertThatThrownBy(() -> Fixtures.get(client, "http://orders/"))
          .isInstanceOf(IOException.class)
          .hasCauseInstanceOf(NoEndpointAvailableException.class);
    }
  }

  @Test
  void noEndpoint_asyncCall_failsThroughTheCallback() throws Exception {
    MutableEndpointSource source = EndpointSource.mutable();
    try (LoadBalancer empty = LoadBalancer.builder("orders").endpoints(source).build()) {
      OkHttpClient client = Fixtures.client(LoadBalancingInterceptor.builder()
          .service("orders", empty).build());
      CountDownLatch done = new CountDownLatch(1);
      AtomicReference<IOException> error = new AtomicReference<>();

      client.newCall(new Request.Builder().url("http://orders/").build()).enqueue(
          new Callback() {
            @Override
            public void onFailure(Call call, IOException e) {
              error.set(e);
              done.countDown();
            }

            @Override
            public void onResponse(Call call, Response response) {
              response.close();
              done.countDown();
            }
          });

      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(error.get()).hasCauseInstanceOf(NoEndpointAvailableException.class);
    }
  }

  @Test
  void closedLoadBalancer_failsWithIoException() {
    LoadBalancer closed = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("127.0.0.1:8080")).build();
    closed.close();
    OkHttpClient client = Fixtures.client(LoadBalancingInterceptor.builder()
        .service("orders", closed).build());

    assertThatThrownBy(() -> Fixtures.get(client, "http://orders/"))
        .isInstanceOf(IOException.class)
        .hasMessage("load balancer for orders is closed")
        .hasCauseInstanceOf(IllegalStateException.class);
  }
}
