package dev.lbclient.kubernetes;

import static dev.lbclient.kubernetes.Slices.put;
import static dev.lbclient.kubernetes.Slices.ready;
import static dev.lbclient.kubernetes.Slices.slice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import dev.lbclient.LoadBalancer;
import dev.lbclient.Pick;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's quickstart, run as it is shown there, with a real load balancer. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KubernetesQuickstartTest {

  @Test
  void readmeSnippet_balancesOverTheServiceEndpoints() throws Exception {
    try (MockApiServer server = MockApiServer.start();
        KubernetesClient client = server.newClient()) {
      put(client, slice("orders-abc", ready("10.0.0.1"), ready("10.0.0.2")));

      // --- as in the README ---
      LoadBalancer orders = LoadBalancer.builder("orders")
          .endpoints(KubernetesEndpointSource.of(client, "default", "orders", "http"))
          .build();
      // ---

      try {
        server.awaitOpenWatches(1, Duration.ofSeconds(20));
        assertThat(orders.endpoints()).extracting(Endpoint::address)
            .containsExactlyInAnyOrder("10.0.0.1:8080", "10.0.0.2:8080");
        assertThat(orders.sourceStatus().isStale()).isFalse();
        try (Pick pick = orders.pick()) {
          assertThat(pick.endpoint().address()).isIn("10.0.0.1:8080", "10.0.0.2:8080");
          pick.success();
        }
      } finally {
        orders.close();
      }
      server.awaitOpenWatches(0, Duration.ofSeconds(20));
    }
  }
}
