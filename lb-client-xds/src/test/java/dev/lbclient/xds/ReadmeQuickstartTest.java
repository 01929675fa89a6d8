package dev.lbclient.xds;

import static dev.lbclient.xds.Eds.assignment;
import static dev.lbclient.xds.Eds.endpoint;
import static dev.lbclient.xds.Eds.locality;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import dev.lbclient.LoadBalancer;
import dev.lbclient.Pick;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's xDS quickstart, as printed there, against java-control-plane: a real {@link
 * LoadBalancer} gets its endpoints from the management server, picks one, then follows a change,
 * goes stale when the server stops, and closes the stream with the load balancer.
 */
@Timeout(60)
class ReadmeQuickstartTest {

  @Test
  void readmeQuickstart_loadBalancerFedByXds() throws Exception {
    try (ControlPlane server = ControlPlane.start()) {
      server.set("client-1", "1", assignment("orders",
          locality(endpoint("10.0.0.1", 8080), endpoint("10.0.0.2", 8080))));
      int port = server.port;

      // ---- README snippet starts
      LoadBalancer orders = LoadBalancer.builder("orders")
          .endpoints(XdsEndpointSource.builder("127.0.0.1:" + port, "orders").nodeId("client-1").build())
          .build();

      try (Pick pick = orders.pick()) {
        Endpoint e = pick.endpoint();          // one of the endpoints the management server lists
        // ... call e.host():e.port() ...
        pick.success();
      }
      // ---- README snippet ends

      assertThat(orders.sourceStatus().isStale()).isFalse();
      try (Pick pick = orders.pick()) {
        assertThat(pick.endpoint().address()).isIn("10.0.0.1:8080", "10.0.0.2:8080");
        pick.success();
      }
      assertThat(server.openStreams).hasValue(1);
      orders.close();
      assertThat(server.closedStreams.poll(Recorder.WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS))
          .isNotNull();
      assertThat(server.openStreams).hasValue(0);
    }
  }
}
