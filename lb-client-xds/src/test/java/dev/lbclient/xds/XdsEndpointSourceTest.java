package dev.lbclient.xds;

import static dev.lbclient.xds.Eds.assignment;
import static dev.lbclient.xds.Eds.endpoint;
import static dev.lbclient.xds.Eds.locality;
import static dev.lbclient.xds.Eds.where;
import static dev.lbclient.xds.Recorder.strings;
import static io.envoyproxy.envoy.config.core.v3.HealthStatus.DEGRADED;
import static io.envoyproxy.envoy.config.core.v3.HealthStatus.DRAINING;
import static io.envoyproxy.envoy.config.core.v3.HealthStatus.HEALTHY;
import static io.envoyproxy.envoy.config.core.v3.HealthStatus.TIMEOUT;
import static io.envoyproxy.envoy.config.core.v3.HealthStatus.UNHEALTHY;
import static io.envoyproxy.envoy.config.core.v3.HealthStatus.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.LoadBalancerListener;
import dev.lbclient.Pick;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The source against Envoy's Java management server ({@link ControlPlane}: java-control-plane's
 * V3DiscoveryServer and SimpleCache on 127.0.0.1): lists, ACKs, mapping, outages, empty answers,
 * close. Every wait is for an event, 20 s at most.
 */
@Timeout(60)
class XdsEndpointSourceTest {
  private static final String NODE = "client-1";

  private ControlPlane server;
  private final Recorder listener = new Recorder();
  private final List<EndpointSource.Subscription> subscriptions = new ArrayList<>();

  @BeforeEach
  void startServer() throws IOException {
    server = ControlPlane.start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    subscriptions.forEach(EndpointSource.Subscription::close);
    server.close();
  }

  private XdsEndpointSource.Builder source() {
    return XdsEndpointSource.builder(server.address(), "orders").nodeId(NODE);
  }

  private EndpointSource.Subscription start(XdsEndpointSource source, EndpointSource.Listener l) {
    EndpointSource.Subscription s = source.start(l);
    subscriptions.add(s);
    return s;
  }

  // ---- Lists ----------------------------------------------------------------------------------

  @Test
  void start_deliversInitialListBeforeReturning() {
    server.set(NODE, "1", assignment("orders",
        locality(endpoint("10.0.0.1", 8080), endpoint("10.0.0.2", 8080))));
    start(source().build(), listener);
    assertThat(listener.lists).hasSize(1);
    assertThat(listener.lists.peek()).extracting(Endpoint::address)
        .containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    assertThat(listener.events()).hasSize(1);
  }

  @Test
  void newSnapshotVersion_deliversNewCompleteList() throws Exception {
    server.set(NODE, "1", assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    start(source().build(), listener);
    assertThat(listener.nextList()).extracting(Endpoint::address).containsExactly("10.0.0.1:8080");

    server.set(NODE, "2", assignment("orders",
        locality(endpoint("10.0.0.2", 8080), endpoint("10.0.0.3", 8080))));
    assertThat(listener.nextList()).extracting(Endpoint::address)
        .containsExactly("10.0.0.2:8080", "10.0.0.3:8080");
    assertThat(listener.errors).isEmpty();
  }

  @Test
  void deliveries_onTheSourceThread() throws Exception {
    server.set(NODE, "1", assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    start(source().build(), listener);
    server.set(NODE, "2", assignment("orders", locality(endpoint("10.0.0.2", 8080))));
    listener.nextList();
    listener.nextList();
    assertThat(listener.threads()).containsOnly("lb-client-xds-orders");
  }

  @Test
  void ack_carriesVersionAndNonceOfTheResponse() throws Exception {
    server.set(NODE, "1", assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    start(source().build(), listener);

    DiscoveryRequest first = server.nextRequest();
    assertThat(first.getNode().getId()).isEqualTo(NODE);
    assertThat(first.getNode().getUserAgentName()).isEqualTo("lb-client");
    assertThat(first.getTypeUrl()).isEqualTo(AdsStream.EDS_TYPE);
    assertThat(first.getResourceNamesList()).containsExactly("orders");
    assertThat(first.getVersionInfo()).isEmpty();
    assertThat(first.getResponseNonce()).isEmpty();

    DiscoveryResponse v1 = server.nextResponse();
    DiscoveryRequest ack1 = server.nextRequest();
    assertThat(ack1.getVersionInfo()).isEqualTo("1");
    assertThat(ack1.getResponseNonce()).isEqualTo(v1.getNonce());
    assertThat(ack1.hasErrorDetail()).isFalse();
    assertThat(ack1.getResourceNamesList()).containsExactly("orders");
    assertThat(ack1.getNode().getId()).isEqualTo(NODE);

    server.set(NODE, "2", assignment("orders", locality(endpoint("10.0.0.2", 8080))));
    DiscoveryResponse v2 = server.nextResponse();
    DiscoveryRequest ack2 = server.nextRequest();
    assertThat(v2.getVersionInfo()).isEqualTo("2");
    assertThat(ack2.getVersionInfo()).isEqualTo("2");
    assertThat(ack2.getResponseNonce()).isEqualTo(v2.getNonce()).isNotEqualTo(v1.getNonce());
    assertThat(ack2.hasErrorDetail()).isFalse();
  }

  @Test
  void nodeCluster_sentWithTheNode() throws Exception {
    server.set(NODE, "1", assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    start(source().nodeCluster("shop").build(), listener);
    assertThat(server.nextRequest().getNode().getCluster()).isEqualTo("shop");
  }

  // ---- Mapping --------------------------------------------------------------------------------

  @Test
  void mapping_localitiesPrioritiesWeightsAndHealth() throws Exception {
    server.set(NODE, "1", assignment("orders",
        locality(where("eu-west-1", "eu-west-1a", "rack-1"), 0, 3,
            endpoint("10.0.0.1", 8080, HEALTHY),
            endpoint("10.0.0.2", 8080, 5, UNKNOWN),
            endpoint("10.0.0.3", 8080, UNHEALTHY),
            endpoint("10.0.0.4", 8080, DRAINING)),
        locality(where("", "eu-west-1b", ""), 1, 0,
            endpoint("10.0.1.1", 9090, 70_000, HEALTHY),
            endpoint("10.0.1.2", 9090, DEGRADED),
            endpoint("fd00::1", 9090, TIMEOUT),
            endpoint("fd00::2", 9090, 0, HEALTHY),
            endpoint("orders-7.internal", 9090))));
    start(source().build(), listener);
    assertThat(strings(listener.nextList())).containsExactly(
        "10.0.0.1:8080;zone=eu-west-1a{locality_weight=3, priority=0, region=eu-west-1,"
            + " sub_zone=rack-1}",
        "10.0.0.2:8080;weight=5;zone=eu-west-1a{locality_weight=3, priority=0,"
            + " region=eu-west-1, sub_zone=rack-1}",
        "10.0.1.1:9090;weight=65535;zone=eu-west-1b{priority=1}",
        "[fd00::2]:9090;zone=eu-west-1b{priority=1}",
        "orders-7.internal:9090;zone=eu-west-1b{priority=1}");
  }

  @Test
  void otherClustersInTheSnapshot_notDelivered() throws Exception {
    server.set(NODE, "1",
        assignment("payments", locality(endpoint("10.9.9.9", 80))),
        assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    start(source().build(), listener);
    assertThat(listener.nextList()).extracting(Endpoint::address).containsExactly("10.0.0.1:8080");
  }

  // ---- Empty answers --------------------------------------------------------------------------

  @Test
  void emptyAssignment_keepsLastListAcksAndReports() throws Exception {
    server.set(NODE, "1", assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    start(source().build(), listener);
    listener.nextList();

    server.set(NODE, "2", assignment("orders"));
    assertThat(listener.nextError())
        .isEqualTo("EDS orders from " + server.address() + " failed: returned no endpoints");
    assertThat(listener.lists).isEmpty();
    assertThat(lastRequestWithVersion("2").hasErrorDetail()).isFalse();

    server.set(NODE, "3", assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    assertThat(listener.nextList()).extracting(Endpoint::address).containsExactly("10.0.0.1:8080");
  }

  @Test
  void noServingEndpoint_keepsLastListAndSaysWhy() throws Exception {
    server.set(NODE, "1", assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    start(source().build(), listener);
    listener.nextList();

    server.set(NODE, "2", assignment("orders",
        locality(endpoint("10.0.0.1", 8080, UNHEALTHY), endpoint("10.0.0.2", 8080, DRAINING))));
    assertThat(listener.nextError()).isEqualTo("EDS orders from " + server.address()
        + " failed: returned no endpoints (2 not HEALTHY or UNKNOWN)");
    assertThat(listener.lists).isEmpty();
  }

  @Test
  void emptyAssignment_appliedWhenApplyEmptyAnswers() throws Exception {
    server.set(NODE, "1", assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    start(source().applyEmptyAnswers(true).build(), listener);
    listener.nextList();

    server.set(NODE, "2", assignment("orders"));
    assertThat(listener.nextList()).isEmpty();
    assertThat(listener.errors).isEmpty();
  }

  private DiscoveryRequest lastRequestWithVersion(String version) throws InterruptedException {
    while (true) {
      DiscoveryRequest r = server.nextRequest();
      if (r.getVersionInfo().equals(version)) {
        return r;
      }
    }
  }

  // ---- Outages --------------------------------------------------------------------------------

  @Test
  void serverStopped_staleWithLastList_restarted_reconnectsWithLastVersionAndFreshList()
      throws Exception {
    server.set(NODE, "1", assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    XdsEndpointSource source = source()
        .backoff(Duration.ofMillis(10), Duration.ofMillis(100)) // the seam: short in tests
        .build();
    start(source, listener);
    listener.nextList();

    server.stop();
    assertThat(listener.nextError())
        .startsWith("EDS orders from " + server.address() + " failed: UNAVAILABLE");
    assertThat(listener.lists).isEmpty();

    server.set(NODE, "2", assignment("orders", locality(endpoint("10.0.0.2", 8080))));
    server.requests.clear();
    server.restart();
    assertThat(listener.nextList()).extracting(Endpoint::address).containsExactly("10.0.0.2:8080");
    DiscoveryRequest resubscribe = server.requests.take();
    assertThat(resubscribe.getResponseNonce()).isEmpty();
    assertThat(resubscribe.getVersionInfo()).isEqualTo("1");
  }

  @Test
  void loadBalancer_serverStopped_staleServingLastList_restarted_freshAgain() throws Exception {
    server.set(NODE, "1", assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    BlockingQueue<String> staleness = new LinkedBlockingQueue<>();
    try (LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(source().backoff(Duration.ofMillis(10), Duration.ofMillis(100)).build())
        .listener(new LoadBalancerListener() {
          @Override
          public void onSourceStale(String service, boolean stale, String description) {
            staleness.add(stale ? "stale: " + description : "fresh");
          }
        })
        .build()) {
      assertThat(lb.sourceStatus().isStale()).isFalse();

      server.stop();
      assertThat(staleness.poll(Recorder.WAIT_SECONDS, TimeUnit.SECONDS))
          .startsWith("stale: EDS orders from " + server.address() + " failed: UNAVAILABLE");
      assertThat(lb.sourceStatus().isStale()).isTrue();
      try (Pick pick = lb.pick()) {
        assertThat(pick.endpoint().address()).isEqualTo("10.0.0.1:8080");
        pick.success();
      }

      server.restart();
      // The load balancer's own word; it says so just before it updates sourceStatus().
      assertThat(staleness.poll(Recorder.WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("fresh");
    }
  }

  @Test
  void serverRestartedWithSameVersion_listDeliveredAgainSoStaleEnds() throws Exception {
    server.set(NODE, "1", assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    start(source().backoff(Duration.ofMillis(10), Duration.ofMillis(100)).build(), listener);
    listener.nextList();

    server.stop();
    listener.nextError();
    server.restart();
    assertThat(listener.nextList()).extracting(Endpoint::address).containsExactly("10.0.0.1:8080");
  }

  @Test
  void start_serverUnreachable_returnsAndReports() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    XdsEndpointSource source = XdsEndpointSource.builder("127.0.0.1:" + closedPort, "orders")
        .nodeId(NODE).build();
    start(source, listener);
    assertThat(listener.errors.peek())
        .startsWith("EDS orders from 127.0.0.1:" + closedPort + " failed: UNAVAILABLE");
    assertThat(listener.lists).isEmpty();
  }

  @Test
  void start_clusterNotServed_returnsAfterInitialFetchTimeout_listFollowsLater() throws Exception {
    server.set(NODE, "1", assignment("payments", locality(endpoint("10.9.9.9", 80))));
    start(source().initialFetchTimeout(Duration.ofMillis(200)).build(), listener);
    assertThat(listener.errors.peek()).isEqualTo("EDS orders from " + server.address()
        + " failed: no ClusterLoadAssignment for 'orders' within 200 ms");

    server.set(NODE, "2", assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    assertThat(listener.nextList()).extracting(Endpoint::address).containsExactly("10.0.0.1:8080");
  }

  // ---- Several listeners, close ---------------------------------------------------------------

  @Test
  void secondListener_getsCurrentListAtOnce_sharesTheStream() throws Exception {
    server.set(NODE, "1", assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    XdsEndpointSource source = source().build();
    start(source, listener);
    Recorder second = new Recorder();
    start(source, second);
    assertThat(second.lists).hasSize(1);
    assertThat(server.openStreams).hasValue(1);

    server.set(NODE, "2", assignment("orders", locality(endpoint("10.0.0.2", 8080))));
    assertThat(listener.nextList()).isEqualTo(second.nextList());
    assertThat(listener.nextList()).isEqualTo(second.nextList())
        .extracting(Endpoint::address).containsExactly("10.0.0.2:8080");
  }

  @Test
  void close_cancelsStreamShutsDownItsChannelAndThread_noDeliveryAfter() throws Exception {
    server.set(NODE, "1", assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    XdsEndpointSource source = source().build();
    EndpointSource.Subscription s = start(source, listener);
    ManagedChannel channel = source.activeStream().channel();
    assertThat(server.openStreams).hasValue(1);
    assertThat(xdsThreads()).isEqualTo(1);

    s.close();
    assertThat(channel.isShutdown()).isTrue();
    assertThat(channel.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(server.closedStreams.poll(Recorder.WAIT_SECONDS, TimeUnit.SECONDS)).isNotNull();
    assertThat(server.openStreams).hasValue(0);
    assertThat(xdsThreads()).isZero();
    assertThat(source.activeStream()).isNull();

    // A change the closed subscription would have seen: a second client proves it was pushed.
    List<String> before = listener.events();
    server.set(NODE, "2", assignment("orders", locality(endpoint("10.0.0.2", 8080))));
    Recorder other = new Recorder();
    start(source().build(), other);
    assertThat(other.nextList()).extracting(Endpoint::address).containsExactly("10.0.0.2:8080");
    assertThat(listener.events()).isEqualTo(before);
  }

  @Test
  void close_lastOfTwo_stopsTheStream_firstCloseDoesNot() throws Exception {
    server.set(NODE, "1", assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    XdsEndpointSource source = source().build();
    EndpointSource.Subscription a = source.start(listener);
    Recorder second = new Recorder();
    EndpointSource.Subscription b = source.start(second);
    a.close();
    a.close();
    assertThat(source.activeStream()).isNotNull();
    server.set(NODE, "2", assignment("orders", locality(endpoint("10.0.0.2", 8080))));
    second.nextList();
    assertThat(second.nextList()).extracting(Endpoint::address).containsExactly("10.0.0.2:8080");
    b.close();
    assertThat(source.activeStream()).isNull();
    assertThat(xdsThreads()).isZero();
  }

  @Test
  void channel_given_usedAndLeftOpen() throws Exception {
    server.set(NODE, "1", assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port)
        .usePlaintext().build();
    try {
      XdsEndpointSource source = XdsEndpointSource.builder("xds.example:443", "orders")
          .nodeId(NODE).channel(channel).build();
      EndpointSource.Subscription s = source.start(listener);
      assertThat(listener.nextList()).extracting(Endpoint::address)
          .containsExactly("10.0.0.1:8080");
      assertThat(source.description()).isEqualTo("EDS orders from xds.example:443");
      s.close();
      assertThat(server.closedStreams.poll(Recorder.WAIT_SECONDS, TimeUnit.SECONDS)).isNotNull();
      assertThat(channel.isShutdown()).isFalse();
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void closedSource_startedAgain_opensANewStream() throws Exception {
    server.set(NODE, "1", assignment("orders", locality(endpoint("10.0.0.1", 8080))));
    XdsEndpointSource source = source().build();
    source.start(listener).close();
    Recorder again = new Recorder();
    start(source, again);
    assertThat(again.nextList()).extracting(Endpoint::address).containsExactly("10.0.0.1:8080");
  }

  private static long xdsThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(XdsEndpointSource.THREAD_PREFIX))
        .count();
  }
}
