/**
 * lb-client for gRPC-java: a load-balancing policy and name resolvers backed by a
 * {@link dev.lbclient.LoadBalancer}, registered with gRPC through the service providers below.
 * DNS targets need {@code dev.lbclient.dns} on the module path too.
 */
module dev.lbclient.grpc {
  requires transitive dev.lbclient;
  requires transitive io.grpc;
  requires io.grpc.internal;
  requires static dev.lbclient.dns;
  requires static transitive org.jspecify;

  exports dev.lbclient.grpc;

  provides io.grpc.LoadBalancerProvider with dev.lbclient.grpc.LbClientLoadBalancerProvider;
  provides io.grpc.NameResolverProvider with
      dev.lbclient.grpc.LoadBalancerNameResolverProvider,
      dev.lbclient.grpc.StaticNameResolverProvider,
      dev.lbclient.grpc.DnsNameResolverProvider;
}
