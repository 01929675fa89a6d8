package dev.lbclient.grpc;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import io.grpc.Attributes;
import io.grpc.NameResolver;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves targets of the scheme {@value GrpcLoadBalancing#STATIC_SCHEME}: a fixed list of
 * endpoints in {@link Endpoint#parse(String)} form, separated by commas, for example
 *
 * <pre>{@code
 * lbclient-static:///10.0.0.1:8080,10.0.0.2:8080;weight=2,10.0.0.3:8080;zone=eu-west-1a
 * lbclient-static://orders.internal/10.0.0.1:8080,10.0.0.2:8080
 * }</pre>
 *
 * The authority, when given, is the call authority (and TLS host); otherwise it is the first
 * endpoint's address. An IPv6 literal is written percent-encoded ({@code %5B::1%5D:8080}), since a
 * URI path cannot hold brackets. Hostnames are resolved when the channel starts and again when
 * gRPC asks for a refresh (after a connection fails). Registered through {@code
 * META-INF/services/io.grpc.NameResolverProvider}; works with any policy, {@code lbclient} or
 * gRPC's own.
 *
 * <p>Thread-safe and stateless.
 */
public final class StaticNameResolverProvider extends SchemeResolverProvider {

  /** For {@link java.util.ServiceLoader}. */
  public StaticNameResolverProvider() {
    super(GrpcLoadBalancing.STATIC_SCHEME);
  }

  /**
   * A resolver for {@code targetUri}.
   *
   * @throws IllegalArgumentException if the list is empty or an entry does not parse; the channel
   *     builder's {@code build()} then throws it
   */
  @Override
  NameResolver resolver(URI targetUri, NameResolver.Args args) {
    List<Endpoint> endpoints = parse(targetUri);
    String authority = targetUri.getAuthority();
    return new EndpointNameResolver(
        authority != null && !authority.isEmpty() ? authority : endpoints.get(0).address(),
        EndpointSource.of(endpoints.toArray(new Endpoint[0])), Attributes.EMPTY, args);
  }

  static List<Endpoint> parse(URI target) {
    String path = target.getPath();
    String list = path == null ? "" : path.startsWith("/") ? path.substring(1) : path;
    if (list.isBlank()) {
      throw new IllegalArgumentException("target: '" + target + "' (expected: "
          + GrpcLoadBalancing.STATIC_SCHEME + ":///host:port,host:port,...)");
    }
    List<Endpoint> endpoints = new ArrayList<>();
    for (String entry : list.split(",", -1)) {
      try {
        endpoints.add(Endpoint.parse(entry));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("target: '" + target + "': " + e.getMessage(), e);
      }
    }
    return endpoints;
  }
}
