package dev.lbclient.xds;

import static dev.lbclient.xds.Eds.assignment;
import static dev.lbclient.xds.Eds.endpoint;
import static dev.lbclient.xds.Eds.locality;
import static dev.lbclient.xds.Eds.response;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ACK/NACK and stream handling against {@link FakeAdsServer}, a hand-written ADS stub: the one
 * fake in this module, used only because java-control-plane's cache never sends a malformed
 * resource and answers a NACK by resending at once. Each test plays the server's side of the
 * exchange step by step and checks the client's exact requests.
 */
@Timeout(60)
class AdsProtocolTest {
  private static final String NODE = "client-1";

  private FakeAdsServer server;
  private EndpointSource.Subscription subscription;
  private final Recorder listener = new Recorder();

  @BeforeEach
  void startServer() throws Exception {
    server = new FakeAdsServer();
  }

  @AfterEach
  void stop() throws Exception {
    if (subscription != null) {
      subscription.close();
    }
    server.close();
  }

  /** Starts the source (short initial-fetch timeout: the fake answers only when told to). */
  private void start() throws InterruptedException {
    subscription = XdsEndpointSource.builder(server.address(), "orders").nodeId(NODE)
        .initialFetchTimeout(Duration.ofMillis(1))
        .backoff(Duration.ofMillis(10), Duration.ofMillis(100))
        .build()
        .start(listener);
    server.awaitStream();
    DiscoveryRequest subscribe = server.nextRequest();
    assertThat(subscribe.getVersionInfo()).isEmpty();
    assertThat(subscribe.getResponseNonce()).isEmpty();
    listener.errors.clear(); // the initial-fetch timeout's report
  }

  private static Any orders(String... addresses) {
    ClusterLoadAssignment.Builder a = ClusterLoadAssignment.newBuilder().setClusterName("orders");
    for (String address : addresses) {
      a.addEndpoints(locality(endpoint(address, 8080)));
    }
    return Any.pack(a.build());
  }

  /** Version 1 served and ACKed. */
  private void startWithVersion1() throws InterruptedException {
    start();
    server.send(response("1", "n1", orders("10.0.0.1")));
    DiscoveryRequest ack = server.nextRequest();
    assertThat(ack.getVersionInfo()).isEqualTo("1");
    assertThat(ack.getResponseNonce()).isEqualTo("n1");
    assertThat(ack.hasErrorDetail()).isFalse();
    assertThat(listener.nextList()).extracting(Endpoint::address).containsExactly("10.0.0.1:8080");
  }

  private void assertNack(String nonce, String message) throws InterruptedException {
    DiscoveryRequest nack = server.nextRequest();
    assertThat(nack.getResponseNonce()).isEqualTo(nonce);
    assertThat(nack.getVersionInfo()).isEqualTo("1");
    assertThat(nack.getResourceNamesList()).containsExactly("orders");
    assertThat(nack.getTypeUrl()).isEqualTo(AdsStream.EDS_TYPE);
    assertThat(nack.getErrorDetail().getCode()).isEqualTo(3); // INVALID_ARGUMENT
    assertThat(nack.getErrorDetail().getMessage()).isEqualTo(message);
  }

  @Test
  void nack_resourceOfWrongType_keepsLastList() throws Exception {
    startWithVersion1();
    server.send(response("2", "n2", Any.pack(Cluster.newBuilder().setName("orders").build())));
    String why = "resources[0]: type.googleapis.com/envoy.config.cluster.v3.Cluster (expected:"
        + " type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment)";
    assertNack("n2", why);
    assertThat(listener.nextError()).isEqualTo(
        "EDS orders from " + server.address() + " failed: rejected version 2: " + why);
    assertThat(listener.lists).isEmpty();
  }

  @Test
  void nack_endpointWithoutPort_keepsLastList_nextGoodVersionAckedAndDelivered() throws Exception {
    startWithVersion1();
    server.send(response("2", "n2", Any.pack(assignment("orders",
        locality(endpoint("10.0.0.2", 8080), endpoint("10.0.0.3", 0))))));
    String why = "endpoints[0].lb_endpoints[1]: port_value 0 (expected: 1..65535)";
    assertNack("n2", why);
    assertThat(listener.nextError()).isEqualTo(
        "EDS orders from " + server.address() + " failed: rejected version 2: " + why);

    server.send(response("3", "n3", orders("10.0.0.3")));
    DiscoveryRequest ack = server.nextRequest();
    assertThat(ack.getVersionInfo()).isEqualTo("3");
    assertThat(ack.getResponseNonce()).isEqualTo("n3");
    assertThat(ack.hasErrorDetail()).isFalse();
    assertThat(listener.nextList()).extracting(Endpoint::address).containsExactly("10.0.0.3:8080");
    assertThat(listener.events()).hasSize(4); // the initial-fetch timeout, v1, the NACK, v3
  }

  @Test
  void nack_beforeAnyAcceptedVersion_carriesEmptyVersion() throws Exception {
    start();
    server.send(response("1", "n1", Any.newBuilder().setTypeUrl(AdsStream.EDS_TYPE)
        .setValue(ByteString.copyFromUtf8("not a protobuf")).build()));
    DiscoveryRequest nack = server.nextRequest();
    assertThat(nack.getVersionInfo()).isEmpty();
    assertThat(nack.getResponseNonce()).isEqualTo("n1");
    assertThat(nack.getErrorDetail().getMessage())
        .startsWith("resources[0]: not a valid " + AdsStream.EDS_TYPE + " (");
  }

  @Test
  void resourceWrapper_unwrapped() throws Exception {
    start();
    server.send(response("1", "n1", Any.pack(Resource.newBuilder().setName("orders").setVersion("a")
        .setResource(orders("10.0.0.7")).build())));
    assertThat(server.nextRequest().getVersionInfo()).isEqualTo("1");
    assertThat(listener.nextList()).extracting(Endpoint::address).containsExactly("10.0.0.7:8080");
  }

  @Test
  void responseWithoutOurCluster_ackedNothingDelivered() throws Exception {
    startWithVersion1();
    server.send(response("2", "n2", Any.pack(assignment("payments",
        locality(endpoint("10.9.9.9", 80))))));
    DiscoveryRequest ack = server.nextRequest();
    assertThat(ack.getVersionInfo()).isEqualTo("2");
    assertThat(ack.hasErrorDetail()).isFalse();
    assertThat(listener.lists).isEmpty();
    assertThat(listener.errors).isEmpty();
  }

  @Test
  void responseOfAnotherType_ignoredNotAnswered() throws Exception {
    startWithVersion1();
    server.send(DiscoveryResponse.newBuilder()
        .setTypeUrl("type.googleapis.com/envoy.config.cluster.v3.Cluster")
        .setVersionInfo("c1").setNonce("n2")
        .addResources(Any.pack(Cluster.newBuilder().setName("orders").build())).build());
    server.send(response("3", "n3", orders("10.0.0.3")));
    DiscoveryRequest next = server.nextRequest();
    assertThat(next.getResponseNonce()).isEqualTo("n3"); // nothing was sent for n2
    assertThat(next.getVersionInfo()).isEqualTo("3");
    assertThat(listener.nextList()).extracting(Endpoint::address).containsExactly("10.0.0.3:8080");
    assertThat(listener.errors).isEmpty();
  }

  @Test
  void streamEndedByServerAfterResponses_reopenedWithLastVersion_nothingReported()
      throws Exception {
    startWithVersion1();
    server.endStream();
    server.awaitStream();
    DiscoveryRequest resubscribe = server.nextRequest();
    assertThat(resubscribe.getVersionInfo()).isEqualTo("1");
    assertThat(resubscribe.getResponseNonce()).isEmpty();
    assertThat(resubscribe.getNode().getId()).isEqualTo(NODE);

    server.send(response("2", "n1", orders("10.0.0.2")));
    assertThat(listener.nextList()).extracting(Endpoint::address).containsExactly("10.0.0.2:8080");
    assertThat(listener.errors).isEmpty();
  }

  @Test
  void streamEndedBeforeAnyResponse_reportedThenRetried() throws Exception {
    start();
    server.endStream();
    assertThat(listener.nextError()).isEqualTo(
        "EDS orders from " + server.address() + " failed: the server ended the stream");
    server.awaitStream();
    assertThat(server.nextRequest().getVersionInfo()).isEmpty();
  }
}
