package dev.lbclient.xds;

import static dev.lbclient.xds.Eds.assignment;
import static dev.lbclient.xds.Eds.endpoint;
import static dev.lbclient.xds.Eds.locality;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import dev.lbclient.LoadBalancer;
import dev.lbclient.Pick;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's xDS snippets, as printed there. The quickstart runs against java-control-plane: a
 * real {@link LoadBalancer} gets its endpoints from the management server, picks one, and closes
 * the stream when it is closed. The options snippet is built, not started.
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

  @Test
  void readmeOptions_build() throws Exception {
    ManagedChannel tlsChannel = NettyChannelBuilder.forAddress("127.0.0.1", 1).usePlaintext().build();
    try {
      // ---- README snippet starts
      XdsEndpointSource custom = XdsEndpointSource.builder("xds.internal:18000", "orders")
          .nodeId("client-1")
          .nodeCluster("shop")                         // default: not sent
          .initialFetchTimeout(Duration.ofSeconds(5))
          .backoff(Duration.ofSeconds(1), Duration.ofSeconds(30))
          .applyEmptyAnswers(false)
          .channel(tlsChannel)                         // default: plaintext to host:port
          .build();
      // ---- README snippet ends

      assertThat(custom.description()).isEqualTo("EDS orders from xds.internal:18000");
    } finally {
      tlsChannel.shutdownNow();
    }
  }
}
