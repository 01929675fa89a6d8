package dev.lbclient.grpc;

import static dev.lbclient.grpc.TestSupport.REQUEST;
import static dev.lbclient.grpc.TestSupport.call;
import static dev.lbclient.grpc.TestSupport.shutdown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbclient.Endpoint;
import dev.lbclient.RequestContext;
import dev.lbclient.Strategy;
import io.grpc.LoadBalancerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolver;
import io.grpc.NameResolverRegistry;
import io.grpc.internal.JsonParser;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The policy and the resolvers as users who build their own channels reach them. */
class ProvidersTest {

  @Test
  void providers_registeredThroughServiceLoader() {
    assertThat(LoadBalancerRegistry.getDefaultRegistry().getProvider("lbclient"))
        .isInstanceOf(LbClientLoadBalancerProvider.class);
    assertThat(NameResolverRegistry.getDefaultRegistry().getProviderForScheme("lbclient-static"))
        .isInstanceOf(StaticNameResolverProvider.class);
    assertThat(NameResolverRegistry.getDefaultRegistry().getProviderForScheme("lbclient"))
        .isInstanceOf(LoadBalancerNameResolverProvider.class);
    assertThat(NameResolverRegistry.getDefaultRegistry().getProviderForScheme("lbclient-dns"))
        .isInstanceOf(DnsNameResolverProvider.class);
  }

  @Test
  void dnsTarget_neitherSrvNorHostPort_rejectedWithTheForms() {
    java.util.concurrent.ScheduledExecutorService timer =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    try {
      checkDnsTargets(timer);
    } finally {
      timer.shutdownNow();
    }
  }

  private static void checkDnsTargets(java.util.concurrent.ScheduledExecutorService timer) {
    NameResolver.Args args = NameResolver.Args.newBuilder()
        .setDefaultPort(443)
        .setChannelLogger(new FakeHelper().getChannelLogger())
        .setScheduledExecutorService(timer)
        .setProxyDetector(address -> null)
        .setSynchronizationContext(new io.grpc.SynchronizationContext((t, e) -> { }))
        .setServiceConfigParser(new NameResolver.ServiceConfigParser() {
          @Override
          public NameResolver.ConfigOrError parseServiceConfig(Map<String, ?> rawServiceConfig) {
            return NameResolver.ConfigOrError.fromConfig(rawServiceConfig);
          }
        })
        .build();
    assertThatThrownBy(() -> new DnsNameResolverProvider().newNameResolver(
            URI.create("lbclient-dns:///orders.internal"), args))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("target: 'lbclient-dns:///orders.internal' (expected: "
            + "lbclient-dns:///_service._proto.name for SRV or lbclient-dns:///host:port for A/AAAA)");
    assertThat(new DnsNameResolverProvider().newNameResolver(
            URI.create("lbclient-dns:///_grpc._tcp.orders.internal"), args).getServiceAuthority())
        .isEqualTo("orders.internal");
    assertThat(new DnsNameResolverProvider().newNameResolver(
            URI.create("lbclient-dns:///orders.internal:8080"), args).getServiceAuthority())
        .isEqualTo("orders.internal:8080");
  }

  @Test
  @SuppressWarnings("unchecked")
  void staticTargetAndReadmeServiceConfig_balanceWithTheConfiguredStrategy() throws Exception {
    try (Backends backends = Backends.start(3)) {
      String json = "{\"loadBalancingConfig\":[{\"lbclient\":{\"strategy\":\"consistentHash\"}}]}";
      ManagedChannel channel = ManagedChannelBuilder.forTarget(backends.staticTarget())
          .defaultServiceConfig((Map<String, ?>) JsonParser.parse(json))
          .usePlaintext()
          .build();
      try {
        backends.warmUp(() -> call(channel));
        Set<String> servers = new HashSet<>();
        for (int i = 0; i < 30; i++) {
          servers.add(TestSupport.stub(channel)
              .withOption(GrpcLoadBalancing.REQUEST_CONTEXT, RequestContext.withKey("user-42"))
              .unaryRpc(REQUEST).getResponseMessage());
        }
        assertThat(servers).as("one key, one server: consistentHash, not gRPC's default")
            .hasSize(1);
      } finally {
        shutdown(channel);
      }
    }
  }

  @Test
  void invalidPolicyConfig_failsTheChannelBuild() {
    Map<String, ?> config = Map.of("loadBalancingConfig",
        List.of(Map.of("lbclient", Map.of("strategy", "fastest"))));

    assertThatThrownBy(() -> ManagedChannelBuilder.forTarget("lbclient-static:///127.0.0.1:1")
        .defaultServiceConfig(config).usePlaintext().build())
        .hasMessageContaining("invalid lbclient config: strategy: 'fastest'");
  }

  @Test
  void staticTarget_parsesWeightsAndZones() {
    List<Endpoint> endpoints = StaticNameResolverProvider.parse(URI.create(
        "lbclient-static:///10.0.0.1:8080,10.0.0.2:8080;weight=2,%5B::1%5D:9090;zone=eu-1"));

    assertThat(endpoints).containsExactly(Endpoint.of("10.0.0.1", 8080),
        Endpoint.of("10.0.0.2", 8080).withWeight(2), Endpoint.of("::1", 9090).withZone("eu-1"));
  }

  @Test
  void staticTarget_empty() {
    assertThatThrownBy(() -> ManagedChannelBuilder.forTarget("lbclient-static:///")
        .usePlaintext().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("target: 'lbclient-static:///' (expected:"
            + " lbclient-static:///host:port,host:port,...)");
  }

  @Test
  void staticTarget_entryWithoutPort() {
    assertThatThrownBy(() -> StaticNameResolverProvider.parse(
        URI.create("lbclient-static:///10.0.0.1:8080,10.0.0.2")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("target: 'lbclient-static:///10.0.0.1:8080,10.0.0.2': endpoint: '10.0.0.2'"
            + " (expected: host:port or [ipv6]:port, e.g. 10.0.0.1:8080)");
  }

  @Test
  void lbclientTarget_withoutLoadBalancer() {
    assertThatThrownBy(() -> ManagedChannelBuilder.forTarget("lbclient:///orders")
        .usePlaintext().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("target: 'lbclient:///orders' (expected: a channel from"
            + " GrpcLoadBalancing.channelFor(loadBalancer), which passes the load balancer)");
  }

  @Test
  void target_encodesTheServiceName() {
    assertThat(GrpcLoadBalancing.target("orders")).isEqualTo("lbclient:///orders");
    assertThat(GrpcLoadBalancing.target("orders v2")).isEqualTo("lbclient:///orders%20v2");
    assertThat(URI.create(GrpcLoadBalancing.target("orders v2")).getPath())
        .isEqualTo("/orders v2");
  }
  @Test
  void channelFor_null() {
    assertThatThrownBy(() -> GrpcLoadBalancing.channelFor(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("loadBalancer");
  }

  @Test
  void policy_behindGrpcDnsResolver() throws Exception {
    try (Backends backends = Backends.start(1)) {
      ManagedChannel channel = ManagedChannelBuilder
          .forTarget("dns:///" + backends.get(0).endpoint())
          .defaultServiceConfig(GrpcServiceConfig.builder().strategy(Strategy.leastTime()).build())
          .usePlaintext()
          .build();
      try {
        assertThat(call(channel)).isEqualTo("backend-0");
      } finally {
        shutdown(channel);
      }
    }
  }
}
