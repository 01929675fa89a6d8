package dev.lbclient.xds;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;

/** Builders for the EDS messages the tests serve. */
final class Eds {
  private Eds() {}

  static ClusterLoadAssignment assignment(String cluster, LocalityLbEndpoints... localities) {
    ClusterLoadAssignment.Builder b = ClusterLoadAssignment.newBuilder().setClusterName(cluster);
    for (LocalityLbEndpoints l : localities) {
      b.addEndpoints(l);
    }
    return b.build();
  }

  /** One locality with no name, priority 0 and no weight. */
  static LocalityLbEndpoints locality(LbEndpoint... endpoints) {
    return locality(Locality.getDefaultInstance(), 0, 0, endpoints);
  }

  /** A locality; {@code weight} 0 leaves its load_balancing_weight unset. */
  static LocalityLbEndpoints locality(Locality locality, int priority, int weight,
      LbEndpoint... endpoints) {
    LocalityLbEndpoints.Builder b = LocalityLbEndpoints.newBuilder()
        .setLocality(locality)
        .setPriority(priority);
    if (weight > 0) {
      b.setLoadBalancingWeight(UInt32Value.of(weight));
    }
    for (LbEndpoint e : endpoints) {
      b.addLbEndpoints(e);
    }
    return b.build();
  }

  static Locality where(String region, String zone, String subZone) {
    return Locality.newBuilder().setRegion(region).setZone(zone).setSubZone(subZone).build();
  }

  /** An endpoint with health UNKNOWN and no weight. */
  static LbEndpoint endpoint(String address, int port) {
    return LbEndpoint.newBuilder()
        .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
            SocketAddress.newBuilder().setAddress(address).setPortValue(port))))
        .build();
  }

  static LbEndpoint endpoint(String address, int port, int weight, HealthStatus health) {
    return endpoint(address, port).toBuilder()
        .setLoadBalancingWeight(UInt32Value.of(weight))
        .setHealthStatus(health)
        .build();
  }

  static LbEndpoint endpoint(String address, int port, HealthStatus health) {
    return endpoint(address, port).toBuilder().setHealthStatus(health).build();
  }

  static DiscoveryResponse response(String version, String nonce, Any... resources) {
    DiscoveryResponse.Builder b = DiscoveryResponse.newBuilder()
        .setTypeUrl(AdsStream.EDS_TYPE)
        .setVersionInfo(version)
        .setNonce(nonce);
    for (Any r : resources) {
      b.addResources(r);
    }
    return b.build();
  }
}
