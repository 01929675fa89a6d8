package dev.lbclient.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.Pick;
import dev.lbclient.RequestContext;
import dev.lbclient.Strategy;
import dev.lbclient.micrometer.LoadBalancerMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
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
      callSomething(e);
      pick.success();                          // or pick.failure(exception); close() alone = cancelled
    }

    orders.close();                            // stops refresh and health-check threads

    assertThat(answer).isEqualTo("ok from 8080");
    assertThat(called).hasSize(2);
    assertThat(orders.stats().stream().mapToLong(s -> s.successes()).sum()).isEqualTo(2);
    assertThat(RequestContext.withKey(userId).key()).isEqualTo("user-42");
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

    assertThat(registry.get("lbclient.pool.size").gauge().value()).isEqualTo(2);
    orders.close();
  }
}
