package dev.lbclient.grpc;

import dev.lbclient.DnsEndpointSource;
import dev.lbclient.Endpoint;
import io.grpc.Attributes;
import io.grpc.NameResolver;
import java.net.URI;

/**
 * Resolves targets of the scheme {@value GrpcLoadBalancing#DNS_SCHEME} through the core's DNS
 * discovery, which honours record TTLs (clamped), keeps the last good list when a lookup fails,
 * reads SRV priorities and weights, and never uses the JVM's address cache:
 *
 * <pre>{@code
 * lbclient-dns:///_grpc._tcp.orders.internal     SRV records: targets, ports and weights
 * lbclient-dns:///orders.internal:8080           A and AAAA records, each address on port 8080
 * }</pre>
 *
 * A name starting with {@code _} is an SRV name; otherwise the path must be {@code host:port}. The
 * call authority is the DNS name (without the SRV labels for SRV names). Uses the system's DNS
 * servers and the defaults of {@link DnsEndpointSource}; for other settings build a {@code
 * LoadBalancer} with a configured source and use {@link GrpcLoadBalancing#channelFor}.
 * Registered through {@code META-INF/services/io.grpc.NameResolverProvider}.
 *
 * <p>Thread-safe and stateless.
 */
public final class DnsNameResolverProvider extends SchemeResolverProvider {

  /** For {@link java.util.ServiceLoader}. */
  public DnsNameResolverProvider() {
    super(GrpcLoadBalancing.DNS_SCHEME);
  }

  /**
   * A resolver for {@code targetUri}.
   *
   * @throws IllegalArgumentException if the path is neither an SRV name nor {@code host:port}
   */
  @Override
  NameResolver resolver(URI targetUri, NameResolver.Args args) {
    String path = targetUri.getPath();
    String name = path == null ? "" : path.startsWith("/") ? path.substring(1) : path;
    if (name.startsWith("_")) {
      String authority = name;
      while (authority.startsWith("_") && authority.indexOf('.') > 0) {
        authority = authority.substring(authority.indexOf('.') + 1);
      }
      return new EndpointNameResolver(authority, DnsEndpointSource.srv(name), Attributes.EMPTY,
          args);
    }
    Endpoint hostPort;
    try {
      hostPort = Endpoint.parse(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("target: '" + targetUri + "' (expected: "
          + GrpcLoadBalancing.DNS_SCHEME + ":///_service._proto.name for SRV or "
          + GrpcLoadBalancing.DNS_SCHEME + ":///host:port for A/AAAA)", e);
    }
    return new EndpointNameResolver(hostPort.address(),
        DnsEndpointSource.a(hostPort.host(), hostPort.port()), Attributes.EMPTY, args);
  }
}
