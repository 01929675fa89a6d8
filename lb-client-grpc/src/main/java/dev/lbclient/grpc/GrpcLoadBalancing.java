package dev.lbclient.grpc;

import static java.util.Objects.requireNonNull;

import dev.lbclient.Endpoint;
import dev.lbclient.LoadBalancer;
import dev.lbclient.RequestContext;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolver;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Channels whose calls are balanced by a {@link LoadBalancer}:
 *
 * <pre>{@code
 * ManagedChannel channel = GrpcLoadBalancing.channelFor(orders)
 *     .usePlaintext()
 *     .defaultServiceConfig(GrpcServiceConfig.builder().retries(orders.retryPolicy()).build())
 *     .enableRetry()
 *     .build();
 * }</pre>
 *
 * <p>The channel keeps one subchannel (connection) per endpoint of the load balancer and follows
 * its endpoint list; each call goes to the endpoint the load balancer's strategy picks among those
 * with a READY connection, and its outcome (status, latency, in-flight time) is reported to that
 * same load balancer. So a channel, an OkHttp client and direct {@link LoadBalancer#pick()} callers
 * that share one load balancer share its ejections, circuit breakers and latency estimates.
 *
 * <p>How a status counts for the endpoint: {@code OK} is a success; {@code UNAVAILABLE} and {@code
 * RESOURCE_EXHAUSTED} are failures; {@code DEADLINE_EXCEEDED} is a failure unless the policy
 * config says {@code "deadlineExceededIsFailure": false}; {@code CANCELLED} ends the lease as
 * cancelled (no outcome); every other code is the application's answer and counts as a success.
 *
 * <p>Thread-safety: this class is stateless; its methods may be called from any thread.
 */
public final class GrpcLoadBalancing {
  /** The load-balancing policy name, for service configs: {@value}. */
  public static final String POLICY_NAME = "lbclient";

  /**
   * The target scheme of {@link #channelFor(LoadBalancer)}: {@code lbclient:///<serviceName>}.
   * Such a target only works on a channel built by {@code channelFor}, which passes the load
   * balancer along.
   */
  public static final String SCHEME = "lbclient";

  /**
   * The target scheme of a fixed endpoint list: {@code
   * lbclient-static:///10.0.0.1:8080,10.0.0.2:8080;weight=2}; see {@link
   * StaticNameResolverProvider}.
   */
  public static final String STATIC_SCHEME = "lbclient-static";

  /**
   * The target scheme of DNS discovery through {@code dev.lbclient.dns.DnsEndpointSource}: {@code
   * lbclient-dns:///_grpc._tcp.orders.internal} (SRV records) or {@code
   * lbclient-dns:///orders.internal:8080} (A and AAAA records, each address with that port); see
   * {@link DnsNameResolverProvider}.
   */
  public static final String DNS_SCHEME = "lbclient-dns";

  /**
   * The request context of a call, for the hashing strategies: {@code
   * stub.withOption(GrpcLoadBalancing.REQUEST_CONTEXT, RequestContext.withKey(userId))}. Default
   * {@link RequestContext#none()}.
   */
  public static final CallOptions.Key<RequestContext> REQUEST_CONTEXT =
      CallOptions.Key.createWithDefault("dev.lbclient.requestContext", RequestContext.none());

  /** Carries the load balancer from {@link #channelFor} to its name resolver. */
  static final NameResolver.Args.Key<LoadBalancer> LOAD_BALANCER_ARG =
      NameResolver.Args.Key.create("dev.lbclient.loadBalancer");

  /** Carries the load balancer from the name resolver to the policy. */
  @NameResolver.ResolutionResultAttr
  static final Attributes.Key<LoadBalancer> LOAD_BALANCER =
      Attributes.Key.create("dev.lbclient.loadBalancer");

  /** The endpoint an address group stands for. */
  @EquivalentAddressGroup.Attr
  static final Attributes.Key<Endpoint> ENDPOINT = Attributes.Key.create("dev.lbclient.endpoint");

  private GrpcLoadBalancing() {}

  /**
   * A channel builder for the load balancer's service: target {@code lbclient:///<serviceName>}
   * (the service name is the call authority unless {@code overrideAuthority} is set), the endpoints
   * of {@code loadBalancer}, and the {@value #POLICY_NAME} policy using that very load balancer and
   * its strategy. Add transport settings ({@code usePlaintext()} or TLS), retries ({@link
   * GrpcServiceConfig}) and build.
   *
   * <p>The channel holds the load balancer only while it lives; nothing is registered globally.
   * The channel follows changes of the endpoint list within about a second. Shut the channel down
   * before closing the load balancer: calls on a channel whose load balancer is closed fail with
   * {@code UNAVAILABLE}.
   */
  public static ManagedChannelBuilder<?> channelFor(LoadBalancer loadBalancer) {
    requireNonNull(loadBalancer, "loadBalancer");
    return ManagedChannelBuilder.forTarget(target(loadBalancer.serviceName()))
        .setNameResolverArg(LOAD_BALANCER_ARG, loadBalancer)
        .defaultLoadBalancingPolicy(POLICY_NAME);
  }

  /** {@code lbclient:///<serviceName>}, percent-encoding what a URI path cannot hold. */
  static String target(String serviceName) {
    try {
      return new URI(SCHEME, "", "/" + serviceName, null, null).toASCIIString();
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "serviceName: '" + serviceName + "' (expected: a name usable in a URI path)", e);
    }
  }
}
