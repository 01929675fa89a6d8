package dev.lbclient.grpc;

import dev.lbclient.Endpoint;
import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Endpoints to gRPC address groups and back. One group per endpoint, so one subchannel per
 * endpoint: a hostname that resolves to several IPs gives one subchannel that tries them in order.
 */
final class AddressGroups {
  private AddressGroups() {}

  /** One group per endpoint; hosts that do not resolve are named in {@code unresolved}. */
  static List<EquivalentAddressGroup> of(List<Endpoint> endpoints, List<String> unresolved) {
    List<EquivalentAddressGroup> groups = new ArrayList<>(endpoints.size());
    for (Endpoint e : endpoints) {
      InetAddress[] ips;
      try {
        ips = InetAddress.getAllByName(e.host());
      } catch (UnknownHostException ex) {
        unresolved.add(e.address() + " (unknown host)");
        continue;
      }
      List<SocketAddress> addresses = new ArrayList<>(ips.length);
      for (InetAddress ip : ips) {
        addresses.add(new InetSocketAddress(ip, e.port()));
      }
      groups.add(new EquivalentAddressGroup(addresses,
          Attributes.newBuilder().set(GrpcLoadBalancing.ENDPOINT, e).build()));
    }
    return groups;
  }

  /** The endpoint an address group stands for: its attribute, else its first IP and port. */
  static @Nullable Endpoint endpoint(EquivalentAddressGroup eag) {
    Endpoint e = eag.getAttributes().get(GrpcLoadBalancing.ENDPOINT);
    if (e != null) {
      return e;
    }
    for (SocketAddress a : eag.getAddresses()) {
      if (a instanceof InetSocketAddress) {
        InetSocketAddress isa = (InetSocketAddress) a;
        String host = isa.getAddress() != null ? isa.getAddress().getHostAddress()
            : isa.getHostString();
        try {
          return Endpoint.of(host, isa.getPort());
        } catch (IllegalArgumentException ignored) {
          // not an address the core can hold; try the next one
        }
      }
    }
    return null;
  }
}
