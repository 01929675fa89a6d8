package dev.lbclient.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbclient.LoadBalancer;
import dev.lbclient.Pick;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.util.Map;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.http.client.ClientHttpRequestFactory;

@Timeout(30)
class LbClientAutoConfigurationTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LbClientAutoConfiguration.class));

  private static final String ORDERS = "lbclient.services.orders.";

  @Test
  void services_eachGetsALoadBalancerBeanAndTheClients() {
    runner.withPropertyValues(ORDERS + "endpoints=127.0.0.1:8081,127.0.0.1:8082",
        ORDERS + "strategy=roundRobin",
        "lbclient.services.users.endpoints[0]=127.0.0.1:9091")
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context).getBeans(LoadBalancer.class)
              .containsOnlyKeys("ordersLoadBalancer", "usersLoadBalancer");
          LoadBalancer orders = context.getBean("ordersLoadBalancer", LoadBalancer.class);
          assertThat(orders.serviceName()).isEqualTo("orders");
          assertThat(orders.strategy().name()).isEqualTo("roundRobin");
          assertThat(orders.endpoints()).extracting(e -> e.address())
              .containsExactly("127.0.0.1:8081", "127.0.0.1:8082");
          assertThat(context.getBean(LoadBalancers.class).asMap()).containsOnlyKeys("orders",
              "users");
          assertThat(context).hasSingleBean(OkHttpClient.class)
              .hasSingleBean(ClientHttpRequestFactory.class)
              .hasSingleBean(RestClientCustomizer.class)
              .hasSingleBean(LbClientEndpoint.class)
              .hasBean("lbclientHealthContributor")
              .doesNotHaveBean(ManagedChannel.class);
          assertThat(context.getBean(OkHttpClient.class).interceptors()).hasSize(1);
        });
  }

  @Test
  void loadBalancer_closedWithTheContext() {
    LoadBalancer[] kept = new LoadBalancer[1];
    runner.withPropertyValues(ORDERS + "endpoints=127.0.0.1:8081")
        .run(context -> {
          kept[0] = context.getBean(LoadBalancer.class);
          kept[0].pick().success();
        });
    assertThatThrownBy(() -> kept[0].pick()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void okHttpClient_threadsReleasedWithTheContext() {
    OkHttpClient[] kept = new OkHttpClient[1];
    runner.withPropertyValues(ORDERS + "endpoints=127.0.0.1:8081")
        .run(context -> {
          kept[0] = context.getBean("lbClientOkHttpClient", OkHttpClient.class);
          assertThat(kept[0].dispatcher().executorService().isShutdown()).isFalse();
        });
    assertThat(kept[0].dispatcher().executorService().isShutdown()).isTrue();
  }

  @Test
  void disabled_noBeans() {
    runner.withPropertyValues("lbclient.enabled=false", ORDERS + "endpoints=127.0.0.1:8081")
        .run(context -> assertThat(context).doesNotHaveBean(LoadBalancer.class)
            .doesNotHaveBean(LoadBalancers.class).doesNotHaveBean(OkHttpClient.class));
  }

  @Test
  void noServices_plainClientsAndNoLoadBalancer() {
    runner.run(context -> {
      assertThat(context).hasNotFailed().doesNotHaveBean(LoadBalancer.class);
      assertThat(context.getBean(LoadBalancers.class).asMap()).isEmpty();
      assertThat(context.getBean(OkHttpClient.class).interceptors()).isEmpty();
    });
  }

  @Test
  void withoutRestClientModule_noCustomizerButTheFactory() {
    runner.withClassLoader(new FilteredClassLoader(RestClientCustomizer.class))
        .withPropertyValues(ORDERS + "endpoints=127.0.0.1:8081")
        .run(context -> assertThat(context).doesNotHaveBean(RestClientCustomizer.class)
            .hasSingleBean(ClientHttpRequestFactory.class));
  }

  @Test
  void restClientOff_noCustomizer() {
    runner.withPropertyValues("lbclient.rest-client.enabled=false",
        ORDERS + "endpoints=127.0.0.1:8081")
        .run(context -> assertThat(context).doesNotHaveBean(RestClientCustomizer.class));
  }

  @Test
  void withoutActuator_noHealthNoEndpoint() {
    runner.withClassLoader(new FilteredClassLoader(HealthContributor.class,
            org.springframework.boot.actuate.endpoint.annotation.Endpoint.class))
        .withPropertyValues(ORDERS + "endpoints=127.0.0.1:8081")
        .run(context -> assertThat(context).hasNotFailed()
            .doesNotHaveBean("lbclientHealthContributor")
            .doesNotHaveBean(LbClientEndpoint.class).hasSingleBean(LoadBalancer.class));
  }

  @Test
  void userOkHttpClientOfTheSameName_keptAndUsed() {
    OkHttpClient mine = new OkHttpClient();
    runner.withBean("lbClientOkHttpClient", OkHttpClient.class, () -> mine)
        .withPropertyValues(ORDERS + "endpoints=127.0.0.1:8081")
        .run(context -> assertThat(context.getBean(OkHttpClient.class)).isSameAs(mine));
  }

  @Test
  void grpc_channelPerMarkedServiceShutDownWithTheContext() {
    ManagedChannel[] kept = new ManagedChannel[1];
    runner.withPropertyValues(ORDERS + "endpoints=127.0.0.1:8081", ORDERS + "grpc.enabled=true",
        ORDERS + "grpc.plaintext=true", "lbclient.services.users.endpoints=127.0.0.1:9091")
        .run(context -> {
          assertThat(context).getBeans(ManagedChannel.class).containsOnlyKeys(
              "ordersManagedChannel");
          kept[0] = context.getBean(ManagedChannel.class);
          assertThat(kept[0].isShutdown()).isFalse();
          assertThat(kept[0].authority()).isEqualTo("orders");
        });
    assertThat(kept[0].isShutdown()).isTrue();
  }

  @Test
  void grpc_markedWithoutGrpc_failsNamingTheProperty() {
    runner.withClassLoader(new FilteredClassLoader("dev.lbclient.grpc"))
        .withPropertyValues(ORDERS + "endpoints=127.0.0.1:8081", ORDERS + "grpc.enabled=true")
        .run(context -> assertThat(failure(context.getStartupFailure())).isEqualTo(
            "lbclient.services.orders.grpc.enabled: true (expected: dev.lbclient:lb-client-grpc"
                + " and a gRPC transport on the class path)"));
  }

  @Test
  void settings_reachTheLoadBalancer() {
    runner.withPropertyValues(ORDERS + "endpoints=127.0.0.1:8081",
        ORDERS + "retry.max-attempts=4", ORDERS + "retry.initial-backoff=20ms",
        ORDERS + "retry.max-backoff=200ms", ORDERS + "retry.budget-ratio=0.5",
        ORDERS + "outlier-detection.consecutive-failures=3", ORDERS + "slow-start=30s",
        ORDERS + "circuit-breaker.enabled=false", ORDERS + "zone=eu-1a",
        ORDERS + "panic-threshold=30")
        .run(context -> {
          assertThat(context).hasNotFailed();
          LoadBalancer lb = context.getBean(LoadBalancer.class);
          assertThat(lb.retryPolicy().maxAttempts()).isEqualTo(4);
          assertThat(lb.retryPolicy().initialBackoff()).hasMillis(20);
          assertThat(lb.retryPolicy().maxBackoff()).hasMillis(200);
          assertThat(lb.retryPolicy().budget().ratio()).isEqualTo(0.5);
          assertThat(lb.status().get(0).breakerState()).isNull();
        });
  }

  @Test
  void health_upThenDegradedThenDown() {
    runner.withPropertyValues(
        ORDERS + "endpoints=127.0.0.1:8081,127.0.0.1:8082,127.0.0.1:8083,127.0.0.1:8084",
        ORDERS + "strategy=roundRobin", ORDERS + "circuit-breaker.enabled=false",
        ORDERS + "outlier-detection.consecutive-failures=1",
        ORDERS + "outlier-detection.max-ejection-percent=100", ORDERS + "panic-threshold=50")
        .run(context -> {
          HealthIndicator orders = (HealthIndicator) context.getBean(
              "lbclientHealthContributor", CompositeHealthContributor.class)
              .getContributor("orders");
          Health up = orders.health();
          assertThat(up.getStatus()).isEqualTo(Status.UP);
          assertThat(up.getDetails()).containsKeys("strategy", "source", "127.0.0.1:8081",
              "127.0.0.1:8084");
          @SuppressWarnings("unchecked") Map<String, Object> e2 = (Map<String, Object>) up.getDetails().get("127.0.0.1:8082");
          assertThat(e2)
              .containsEntry("usable", true).containsEntry("ejected", false)
              .containsEntry("breaker", "NONE");

          LoadBalancer lb = context.getBean(LoadBalancer.class);
          failUntilEjected(lb, 3);
          Health degraded = orders.health();
          assertThat(degraded.getStatus().getCode()).isEqualTo("DEGRADED");
          failUntilEjected(lb, 4);
          assertThat(orders.health().getStatus()).isEqualTo(Status.DOWN);

          Map<String, Object> view = context.getBean(LbClientEndpoint.class).service("orders");
          assertThat(view).containsEntry("state", "DOWN").containsEntry("strategy", "roundRobin")
              .containsEntry("source", Map.of("stale", false));
          assertThat((java.util.List<?>) view.get("endpoints")).hasSize(4);
          assertThat(context.getBean(LbClientEndpoint.class).services()).containsOnlyKeys(
              "orders");
        });
  }

  /** Fails picks until {@code ejected} endpoints are ejected (bounded: 4 picks per endpoint). */
  private static void failUntilEjected(LoadBalancer lb, int ejected) {
    for (int i = 0; i < 16 && lb.status().stream().filter(s -> s.isEjected()).count() < ejected;
        i++) {
      Pick pick = lb.pick();
      if (!lb.status().stream().filter(s -> s.endpoint().equals(pick.endpoint())).findFirst()
          .orElseThrow().isEjected()) {
        pick.failure(new IOException("refused"));
      } else {
        pick.cancel();
      }
    }
    assertThat(lb.status().stream().filter(s -> s.isEjected()).count()).isEqualTo(ejected);
  }

  static String failure(Throwable startup) {
    for (Throwable t = startup; t != null; t = t.getCause()) {
      if (t instanceof LbClientConfigException) {
        return t.getMessage();
      }
    }
    throw new AssertionError("no LbClientConfigException in", startup);
  }
}
