package dev.lbclient.xds;

import dev.lbclient.Endpoint;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns one {@link ClusterLoadAssignment} into endpoints, or rejects it as a whole (the xDS client
 * then NACKs it). Stateless.
 *
 * <p>Mapping, in the assignment's order (localities, then their {@code lb_endpoints}): host and
 * port from {@code endpoint.address.socket_address}; weight from the endpoint's {@code
 * load_balancing_weight} (unset means 1; clamped to 1..65535); zone from {@code locality.zone};
 * attributes {@code priority} (always, decimal), {@code region}, {@code sub_zone} and {@code
 * locality_weight} (when set). Only endpoints whose {@code health_status} is HEALTHY or UNKNOWN are
 * kept, as gRPC does; the others are counted, not rejected.
 */
final class LoadAssignments {
  static final String PRIORITY = "priority";
  static final String REGION = "region";
  static final String SUB_ZONE = "sub_zone";
  static final String LOCALITY_WEIGHT = "locality_weight";

  private LoadAssignments() {}

  /** The endpoints of one assignment, and how many valid ones were left out for their health. */
  static final class Result {
    final List<Endpoint> endpoints;
    final int notServing;

    Result(List<Endpoint> endpoints, int notServing) {
      this.endpoints = endpoints;
      this.notServing = notServing;
    }
  }

  /** A resource that cannot be used; the message names the field at fault and its value. */
  static final class Rejected extends Exception {
    Rejected(String message) {
      super(message, null, false, false);
    }
  }

  static Result endpoints(ClusterLoadAssignment assignment) throws Rejected {
    List<Endpoint> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    int notServing = 0;
    for (int i = 0; i < assignment.getEndpointsCount(); i++) {
      LocalityLbEndpoints locality = assignment.getEndpoints(i);
      String path = "endpoints[" + i + "]";
      switch (locality.getLbConfigCase()) {
        case LEDS_CLUSTER_LOCALITY_CONFIG:
          throw new Rejected(path + ": leds_cluster_locality_config (expected: lb_endpoints; LEDS"
              + " is not supported)");
        case LOAD_BALANCER_ENDPOINTS:
          throw new Rejected(path + ": load_balancer_endpoints (expected: lb_endpoints; the"
              + " deprecated field is not supported)");
        default:
          break;
      }
      Map<String, String> attributes = localityAttributes(locality);
      String zone = locality.getLocality().getZone();
      for (int j = 0; j < locality.getLbEndpointsCount(); j++) {
        LbEndpoint lb = locality.getLbEndpoints(j);
        String at = path + ".lb_endpoints[" + j + "]";
        Endpoint e = endpoint(lb, at);
        if (!zone.isEmpty()) {
          try {
            e = e.withZone(zone);
          } catch (IllegalArgumentException ex) {
            throw new Rejected(path + ".locality." + ex.getMessage());
          }
        }
        for (Map.Entry<String, String> a : attributes.entrySet()) {
          e = e.withAttribute(a.getKey(), a.getValue());
        }
        if (!seen.add(e.address())) {
          throw new Rejected(at + ": " + e.address() + " is listed twice (expected: each address"
              + " once per cluster)");
        }
        if (serving(lb.getHealthStatus())) {
          out.add(e);
        } else {
          notServing++;
        }
      }
    }
    return new Result(List.copyOf(out), notServing);
  }

  /** HEALTHY and UNKNOWN are used, as in gRPC (gRFC A27); all other states are not. */
  static boolean serving(HealthStatus status) {
    return status == HealthStatus.HEALTHY || status == HealthStatus.UNKNOWN;
  }

  private static Map<String, String> localityAttributes(LocalityLbEndpoints locality) {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put(PRIORITY, Integer.toUnsignedString(locality.getPriority()));
    Locality l = locality.getLocality();
    if (!l.getRegion().isEmpty()) {
      attributes.put(REGION, l.getRegion());
    }
    if (!l.getSubZone().isEmpty()) {
      attributes.put(SUB_ZONE, l.getSubZone());
    }
    if (locality.hasLoadBalancingWeight()) {
      attributes.put(LOCALITY_WEIGHT,
          Integer.toUnsignedString(locality.getLoadBalancingWeight().getValue()));
    }
    return attributes;
  }

  private static Endpoint endpoint(LbEndpoint lb, String at) throws Rejected {
    if (lb.hasEndpointName()) {
      throw new Rejected(at + ": endpoint_name '" + lb.getEndpointName() + "' (expected: endpoint;"
          + " named endpoints are not supported)");
    }
    Address address = lb.getEndpoint().getAddress();
    if (!address.hasSocketAddress()) {
      throw new Rejected(at + ": " + (address.hasPipe() ? "pipe" : address.hasEnvoyInternalAddress()
          ? "envoy_internal_address" : "no address")
          + " (expected: endpoint.address.socket_address)");
    }
    SocketAddress socket = address.getSocketAddress();
    if (socket.hasNamedPort()) {
      throw new Rejected(at + ": named_port '" + socket.getNamedPort() + "' (expected: port_value"
          + " 1..65535)");
    }
    int port = socket.getPortValue();
    if (port < 1 || port > 65_535) {
      throw new Rejected(at + ": port_value " + Integer.toUnsignedString(port)
          + " (expected: 1..65535)");
    }
    Endpoint e;
    try {
      e = Endpoint.of(socket.getAddress(), port);
    } catch (IllegalArgumentException ex) {
      throw new Rejected(at + ": address '" + socket.getAddress() + "' (expected: a hostname or"
          + " an IP address)");
    }
    return e.withWeight(weight(lb));
  }

  /** The endpoint's weight: unset means 1; 0 (invalid in xDS) becomes 1, above 65535 is 65535. */
  static int weight(LbEndpoint lb) {
    if (!lb.hasLoadBalancingWeight()) {
      return 1;
    }
    long w = Integer.toUnsignedLong(lb.getLoadBalancingWeight().getValue());
    return (int) Math.max(Endpoint.MIN_WEIGHT, Math.min(Endpoint.MAX_WEIGHT, w));
  }
}
