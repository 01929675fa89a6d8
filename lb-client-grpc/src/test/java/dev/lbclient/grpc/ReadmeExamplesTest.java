package dev.lbclient.grpc;

import static dev.lbclient.grpc.TestSupport.REQUEST;
import static dev.lbclient.grpc.TestSupport.shutdown;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.RequestContext;
import dev.lbclient.RetryPolicy;
import dev.lbclient.Strategy;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.internal.JsonParser;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The README's gRPC snippets, with loopback servers for the 10.0.0.x addresses. */
class ReadmeExamplesTest {
  private Backends backends;
  private String a;
  private String b;
  private String c;

  @BeforeEach
  void start() {
    backends = Backends.start(3);
    a = backends.get(0).endpoint().toString();
    b = backends.get(1).endpoint().toString();
    c = backends.get(2).endpoint().toString();
  }

  @AfterEach
  void stop() throws InterruptedException {
    backends.close();
  }

  @Test
  void channelFor_snippet() throws InterruptedException {
    String userId = "user-42";
    LoadBalancer orders = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(a, b, c))
        .strategy(Strategy.leastTime())
        .build();

    ManagedChannel channel = GrpcLoadBalancing.channelFor(orders)
        .usePlaintext()
        .defaultServiceConfig(GrpcServiceConfig.builder().retries(orders.retryPolicy()).build())
        .enableRetry()
        .build();

    SimpleServiceGrpc.SimpleServiceBlockingStub stub = SimpleServiceGrpc.newBlockingStub(channel)
        .withOption(GrpcLoadBalancing.REQUEST_CONTEXT, RequestContext.withKey(userId));
    assertThat(stub.unaryRpc(REQUEST).getResponseMessage()).startsWith("backend-");

    channel.shutdown();
    orders.close();
    shutdown(channel);
  }

  @Test
  void staticTarget_snippet() throws InterruptedException {
    ManagedChannel channel = ManagedChannelBuilder
        .forTarget("lbclient-static:///" + a + "," + b + ";weight=2," + c)
        .defaultServiceConfig(GrpcServiceConfig.builder()
            .strategy(Strategy.leastTime())
            .slowStart(Duration.ofSeconds(30))
            .retries(RetryPolicy.defaults())
            .build())
        .enableRetry()
        .usePlaintext()
        .build();

    assertThat(TestSupport.call(channel)).startsWith("backend-");
    shutdown(channel);
  }

  @Test
  @SuppressWarnings("unchecked")
  void json_snippet() throws Exception {
    Map<String, ?> config = (Map<String, ?>) JsonParser.parse(
        "{\"loadBalancingConfig\": [{\"lbclient\": {\"strategy\": \"leastTime\","
            + " \"slowStart\": \"30s\"}}]}");
    ManagedChannel channel = ManagedChannelBuilder
        .forTarget("lbclient-static:///" + String.join(",", List.of(a, b, c)))
        .defaultServiceConfig(config)
        .usePlaintext()
        .build();

    assertThat(TestSupport.call(channel)).startsWith("backend-");
    shutdown(channel);
  }
}
