package dev.lbclient.xds;

import static dev.lbclient.xds.Eds.assignment;
import static dev.lbclient.xds.Eds.endpoint;
import static dev.lbclient.xds.Eds.locality;
import static dev.lbclient.xds.Eds.where;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Pipe;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LedsClusterLocalityConfig;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import org.junit.jupiter.api.Test;

/** The ClusterLoadAssignment to endpoints mapping, and the exact reason of each rejection. */
class LoadAssignmentsTest {

  private static LoadAssignments.Result map(ClusterLoadAssignment a) throws Exception {
    return LoadAssignments.endpoints(a);
  }

  private static void assertRejected(ClusterLoadAssignment a, String message) {
    assertThatThrownBy(() -> LoadAssignments.endpoints(a))
        .isInstanceOf(LoadAssignments.Rejected.class)
        .hasMessage(message);
  }

  private static LbEndpoint withAddress(Address address) {
    return LbEndpoint.newBuilder().setEndpoint(
        io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder().setAddress(address)).build();
  }

  @Test
  void weight_unsetIsOne_zeroIsOne_aboveMaxIsMax() {
    assertThat(LoadAssignments.weight(endpoint("10.0.0.1", 80))).isEqualTo(1);
    assertThat(LoadAssignments.weight(endpoint("10.0.0.1", 80, 0, HealthStatus.HEALTHY)))
        .isEqualTo(1);
    assertThat(LoadAssignments.weight(endpoint("10.0.0.1", 80, 7, HealthStatus.HEALTHY)))
        .isEqualTo(7);
    assertThat(LoadAssignments.weight(endpoint("10.0.0.1", 80, 65_536, HealthStatus.HEALTHY)))
        .isEqualTo(65_535);
    assertThat(LoadAssignments.weight(endpoint("10.0.0.1", 80).toBuilder()
        .setLoadBalancingWeight(UInt32Value.of(-1)).build())) // 2^32 - 1
        .isEqualTo(65_535);
  }

  @Test
  void health_onlyHealthyAndUnknownServe() {
    for (HealthStatus s : HealthStatus.values()) {
      if (s != HealthStatus.UNRECOGNIZED) {
        assertThat(LoadAssignments.serving(s)).as(s.name())
            .isEqualTo(s == HealthStatus.HEALTHY || s == HealthStatus.UNKNOWN);
      }
    }
  }

  @Test
  void notServing_counted() throws Exception {
    LoadAssignments.Result r = map(assignment("orders", locality(
        endpoint("10.0.0.1", 80, HealthStatus.DEGRADED), endpoint("10.0.0.2", 80))));
    assertThat(r.endpoints).hasSize(1);
    assertThat(r.notServing).isEqualTo(1);
  }

  @Test
  void priority_alwaysSet_localityNamesOnlyWhenGiven() throws Exception {
    LoadAssignments.Result r = map(assignment("orders",
        locality(where("", "", ""), 0, 0, endpoint("10.0.0.1", 80)),
        locality(where("us", "", "r7"), 2, 0, endpoint("10.0.0.2", 80))));
    assertThat(Recorder.strings(r.endpoints)).containsExactly(
        "10.0.0.1:80{priority=0}",
        "10.0.0.2:80{priority=2, region=us, sub_zone=r7}");
  }

  @Test
  void empty_noLocalities() throws Exception {
    LoadAssignments.Result r = map(assignment("orders"));
    assertThat(r.endpoints).isEmpty();
    assertThat(r.notServing).isZero();
  }

  @Test
  void rejected_portZero() {
    assertRejected(assignment("orders", locality(endpoint("10.0.0.1", 0))),
        "endpoints[0].lb_endpoints[0]: port_value 0 (expected: 1..65535)");
  }

  @Test
  void rejected_portAboveRange() {
    assertRejected(assignment("orders", locality(endpoint("10.0.0.1", 80)),
            locality(endpoint("10.0.0.2", 80), endpoint("10.0.0.3", 70_000))),
        "endpoints[1].lb_endpoints[1]: port_value 70000 (expected: 1..65535)");
  }

  @Test
  void rejected_namedPort() {
    assertRejected(assignment("orders", locality(withAddress(Address.newBuilder()
            .setSocketAddress(SocketAddress.newBuilder().setAddress("10.0.0.1")
                .setNamedPort("http")).build()))),
        "endpoints[0].lb_endpoints[0]: named_port 'http' (expected: port_value 1..65535)");
  }

  @Test
  void rejected_noAddress() {
    assertRejected(assignment("orders", locality(LbEndpoint.getDefaultInstance())),
        "endpoints[0].lb_endpoints[0]: no address (expected: endpoint.address.socket_address)");
  }

  @Test
  void rejected_pipe() {
    assertRejected(assignment("orders", locality(withAddress(Address.newBuilder()
            .setPipe(Pipe.newBuilder().setPath("/run/orders.sock")).build()))),
        "endpoints[0].lb_endpoints[0]: pipe (expected: endpoint.address.socket_address)");
  }

  @Test
  void rejected_endpointName() {
    assertRejected(assignment("orders", locality(
            LbEndpoint.newBuilder().setEndpointName("orders-1").build())),
        "endpoints[0].lb_endpoints[0]: endpoint_name 'orders-1' (expected: endpoint; named"
            + " endpoints are not supported)");
  }

  @Test
  void rejected_badHost() {
    assertRejected(assignment("orders", locality(endpoint("not a host", 80))),
        "endpoints[0].lb_endpoints[0]: address 'not a host' (expected: a hostname or an IP"
            + " address)");
  }

  @Test
  void rejected_sameAddressTwice_evenIfOneIsUnhealthy() {
    assertRejected(assignment("orders", locality(endpoint("10.0.0.1", 80)),
            locality(endpoint("10.0.0.1", 80, HealthStatus.UNHEALTHY))),
        "endpoints[1].lb_endpoints[0]: 10.0.0.1:80 is listed twice (expected: each address once"
            + " per cluster)");
  }

  @Test
  void rejected_zoneTheEndpointTypeCannotHold() {
    assertRejected(assignment("orders",
            locality(where("eu", "zone a", ""), 0, 0, endpoint("10.0.0.1", 80))),
        "endpoints[0].locality.zone: 'zone a' (expected: non-empty, printable ASCII, no ';' or"
            + " spaces)");
  }

  @Test
  void rejected_leds() {
    assertRejected(assignment("orders", LocalityLbEndpoints.newBuilder()
            .setLedsClusterLocalityConfig(LedsClusterLocalityConfig.getDefaultInstance()).build()),
        "endpoints[0]: leds_cluster_locality_config (expected: lb_endpoints; LEDS is not"
            + " supported)");
  }
}
