package dev.lbclient.grpc;

import dev.lbclient.LoadBalancer;
import io.grpc.Attributes;
import io.grpc.NameResolver;
import java.net.URI;

/**
 * Resolves targets of the scheme {@value GrpcLoadBalancing#SCHEME}, {@code
 * lbclient:///<serviceName>}, on channels built by {@link GrpcLoadBalancing#channelFor}: the
 * addresses are the endpoints of the load balancer that method passed along, and the load
 * balancer itself goes to the {@value GrpcLoadBalancing#POLICY_NAME} policy. No registry of load
 * balancers exists, so none can leak: the channel holds its load balancer and drops it when it
 * shuts down. Registered through {@code META-INF/services/io.grpc.NameResolverProvider}.
 *
 * <p>Thread-safe and stateless.
 */
public final class LoadBalancerNameResolverProvider extends SchemeResolverProvider {

  /** For {@link java.util.ServiceLoader}. */
  public LoadBalancerNameResolverProvider() {
    super(GrpcLoadBalancing.SCHEME);
  }

  /**
   * A resolver for {@code targetUri}.
   *
   * @throws IllegalArgumentException if the channel was not built by {@link
   *     GrpcLoadBalancing#channelFor}; the channel builder's {@code build()} then throws it
   */
  @Override
  NameResolver resolver(URI targetUri, NameResolver.Args args) {
    LoadBalancer lb = args.getArg(GrpcLoadBalancing.LOAD_BALANCER_ARG);
    if (lb == null) {
      throw new IllegalArgumentException("target: '" + targetUri + "' (expected: a channel from"
          + " GrpcLoadBalancing.channelFor(loadBalancer), which passes the load balancer)");
    }
    return new EndpointNameResolver(lb.serviceName(),
        new LoadBalancerEndpoints(lb),
        Attributes.newBuilder().set(GrpcLoadBalancing.LOAD_BALANCER, lb).build(), args);
  }
}
