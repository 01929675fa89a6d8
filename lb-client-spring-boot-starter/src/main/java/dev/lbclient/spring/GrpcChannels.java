package dev.lbclient.spring;

import dev.lbclient.LoadBalancer;
import dev.lbclient.grpc.GrpcLoadBalancing;
import dev.lbclient.grpc.GrpcServiceConfig;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.RootBeanDefinition;

/** gRPC channel beans; loaded only when a service is marked for gRPC and gRPC is present. */
final class GrpcChannels {
  private GrpcChannels() {}

  /**
   * A {@link ManagedChannel} bean on the service's load balancer, with the load balancer's retry
   * policy as gRPC retries; shut down before its load balancer is closed (it depends on it).
   */
  static RootBeanDefinition definition(String name, String loadBalancerBean, boolean plaintext,
      BeanFactory beanFactory) {
    RootBeanDefinition channel = new RootBeanDefinition(ManagedChannel.class, () -> {
      LoadBalancer lb = beanFactory.getBean(loadBalancerBean, LoadBalancer.class);
      ManagedChannelBuilder<?> builder = GrpcLoadBalancing.channelFor(lb)
          .defaultServiceConfig(GrpcServiceConfig.builder().retries(lb.retryPolicy()).build())
          .enableRetry();
      if (plaintext) {
        builder.usePlaintext();
      }
      return builder.build();
    });
    channel.addQualifier(new AutowireCandidateQualifier(Qualifier.class, name));
    channel.setDependsOn(loadBalancerBean);
    channel.setDestroyMethodName("shutdown");
    return channel;
  }
}
