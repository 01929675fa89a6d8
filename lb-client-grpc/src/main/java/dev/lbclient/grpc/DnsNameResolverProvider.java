package dev.lbclient.grpc;

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
 * servers and the defaults of {@code dev.lbclient.dns.DnsEndpointSource}; for other settings build a
 * {@code LoadBalancer} with a configured source and use {@link GrpcLoadBalancing#channelFor}.
 * Registered through {@code META-INF/services/io.grpc.NameResolverProvider}, and available only
 * when the module {@code lb-client-dns} is on the class path (this module depends on it
 * optionally, so users of static lists do not carry dnsjava).
 *
 * <p>Thread-safe and stateless.
 */
public final class DnsNameResolverProvider extends SchemeResolverProvider {

  /** For {@link java.util.ServiceLoader}. */
  public DnsNameResolverProvider() {
    super(GrpcLoadBalancing.DNS_SCHEME);
  }

  /** Available when lb-client-dns is on the class path. */
  @Override
  protected boolean isAvailable() {
    return DNS_PRESENT;
  }

  private static final boolean DNS_PRESENT = present("dev.lbclient.dns.DnsEndpointSource");

  private static boolean present(String className) {
    try {
      Class.forName(className, false, DnsNameResolverProvider.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
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
      return new EndpointNameResolver(authority, DnsSources.srv(name), Attributes.EMPTY,
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
        DnsSources.a(hostPort.host(), hostPort.port()), Attributes.EMPTY, args);
  }
}
