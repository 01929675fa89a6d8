package dev.lbclient.grpc;

import dev.lbclient.EndpointSource;
import dev.lbclient.dns.DnsEndpointSource;

/**
 * The only class of this module that names lb-client-dns, an optional dependency: loaded only
 * when a {@code lbclient-dns} target is resolved, which {@link DnsNameResolverProvider} allows only
 * when that module is present.
 */
final class DnsSources {
  private DnsSources() {}

  static EndpointSource srv(String name) {
    return DnsEndpointSource.srv(name);
  }

  static EndpointSource a(String host, int port) {
    return DnsEndpointSource.a(host, port);
  }
}
