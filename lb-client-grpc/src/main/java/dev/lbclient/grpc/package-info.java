/**
 * gRPC-java integration: the load-balancing policy {@code lbclient}, name resolvers for the
 * {@code lbclient} and {@code lbclient-static} target schemes, and a service-config helper for
 * gRPC's own retries and hedging.
 *
 * <p>Start with {@link dev.lbclient.grpc.GrpcLoadBalancing#channelFor(dev.lbclient.LoadBalancer)};
 * users who build channels themselves name the policy and scheme in a service config and target
 * (see {@link dev.lbclient.grpc.LbClientLoadBalancerProvider} and {@link
 * dev.lbclient.grpc.StaticNameResolverProvider}).
 *
 * <p>Every parameter and return value in this package is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.lbclient.grpc;

import org.jspecify.annotations.NullMarked;
