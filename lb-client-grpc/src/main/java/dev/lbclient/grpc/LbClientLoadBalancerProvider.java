package dev.lbclient.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import java.util.Map;

/**
 * Registers the {@value GrpcLoadBalancing#POLICY_NAME} load-balancing policy with gRPC (through
 * {@code META-INF/services/io.grpc.LoadBalancerProvider}); users name it in a service config and
 * never reference this class:
 *
 * <pre>{@code
 * {"loadBalancingConfig": [{"lbclient": {"strategy": "leastTime"}}]}
 * }</pre>
 *
 * <p>Config keys, all optional: {@code strategy} (a {@link dev.lbclient.Strategy#name()}: {@code
 * roundRobin}, {@code weightedRoundRobin}, {@code leastConnections}, {@code leastTime}, {@code
 * powerOfTwoChoices} (default), {@code powerOfTwoChoices.inFlight}, {@code random}, {@code
 * consistentHash}, {@code consistentHash.boundedLoad(1.25)}, {@code ipHash}); {@code slowStart}
 * (a duration such as {@code "30s"}); {@code deadlineExceededIsFailure} (default {@code true}).
 * Unknown keys are an error. On a channel from {@link GrpcLoadBalancing#channelFor} the load
 * balancer's own strategy and slow start apply and these two keys are ignored; otherwise the
 * policy builds a load balancer of its own per channel from them, named after the channel's
 * authority, with the core's default fault handling, and closes it when the channel shuts down or
 * goes idle.
 *
 * <p>Thread-safe and stateless.
 */
public final class LbClientLoadBalancerProvider extends LoadBalancerProvider {

  /** For {@link java.util.ServiceLoader}. */
  public LbClientLoadBalancerProvider() {}

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int getPriority() {
    return 5;
  }

  @Override
  public String getPolicyName() {
    return GrpcLoadBalancing.POLICY_NAME;
  }

  @Override
  public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
    requireNonNull(helper, "helper");
    return new LbClientLoadBalancer(helper);
  }

  @Override
  public ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
    requireNonNull(rawConfig, "rawConfig");
    try {
      return ConfigOrError.fromConfig(PolicyConfig.parse(rawConfig));
    } catch (IllegalArgumentException e) {
      return ConfigOrError.fromError(Status.UNAVAILABLE.withCause(e)
          .withDescription("invalid lbclient config: " + e.getMessage()));
    }
  }
}
