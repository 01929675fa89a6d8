package dev.lbclient.grpc;

import static dev.lbclient.grpc.TestSupport.call;
import static dev.lbclient.grpc.TestSupport.shutdown;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.RequestContext;
import dev.lbclient.Strategy;
import dev.lbclient.grpc.TestSupport.FakeTicker;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How calls spread over real servers, per strategy. The load balancers run on a frozen ticker, so
 * every latency sample is 0 and the latency-aware strategies break their ties at random instead of
 * following the JIT warm-up of each server: counts, not timing, are asserted.
 */
class GrpcDistributionTest {
  private static final int CALLS = 300;

  private Backends backends;
  private LoadBalancer lb;
  private ManagedChannel channel;

  @BeforeEach
  void startServers() {
    backends = Backends.start(3);
  }

  @AfterEach
  void stopAll() throws InterruptedException {
    if (channel != null) {
      shutdown(channel);
    }
    if (lb != null) {
      lb.close();
    }
    backends.close();
  }

  static Stream<Strategy> spreadingStrategies() {
    return Stream.of(Strategy.powerOfTwoChoices(),
        Strategy.powerOfTwoChoices(Strategy.Load.IN_FLIGHT), Strategy.roundRobin(),
        Strategy.weightedRoundRobin(), Strategy.leastConnections(), Strategy.leastTime(),
        Strategy.random());
  }

  @ParameterizedTest
  @MethodSource("spreadingStrategies")
  void channelFor_spreadsCallsOverEveryServer(Strategy strategy) {
    channel = channelFor(strategy, backends.endpoints());
    backends.warmUp(() -> call(channel));

    for (int i = 0; i < CALLS; i++) {
      call(channel);
    }

    assertThat(backends.total()).isEqualTo(CALLS);
    for (int count : backends.counts()) {
      assertThat(count).as("calls per server with %s", strategy)
          .isGreaterThanOrEqualTo(CALLS / 3 / 3);
    }
  }

  @Test
  void roundRobin_takesServersInTurn() {
    channel = channelFor(Strategy.roundRobin(), backends.endpoints());
    backends.warmUp(() -> call(channel));

    for (int i = 0; i < CALLS; i++) {
      call(channel);
    }

    assertThat(backends.counts()).containsOnly(CALLS / 3);
  }

  @Test
  void weightedRoundRobin_followsWeights() {
    List<Endpoint> e = backends.endpoints();
    channel = channelFor(Strategy.weightedRoundRobin(),
        List.of(e.get(0), e.get(1).withWeight(2), e.get(2).withWeight(3)));
    backends.warmUp(() -> call(channel));

    for (int i = 0; i < 600; i++) {
      call(channel);
    }

    int[] counts = backends.counts();
    assertThat(counts[0]).isBetween(98, 102);
    assertThat(counts[1]).isBetween(198, 202);
    assertThat(counts[2]).isBetween(298, 302);
  }

  @Test
  void consistentHash_sendsEachKeyToOneServer() {
    channel = channelFor(Strategy.consistentHash(), backends.endpoints());
    backends.warmUp(() -> call(channel));
    Map<String, Set<String>> serversByKey = new HashMap<>();

    for (int i = 0; i < CALLS; i++) {
      String key = "user-" + (i % 30);
      String server = TestSupport.stub(channel)
          .withOption(GrpcLoadBalancing.REQUEST_CONTEXT, RequestContext.withKey(key))
          .unaryRpc(TestSupport.REQUEST).getResponseMessage();
      serversByKey.computeIfAbsent(key, k -> new HashSet<>()).add(server);
    }

    assertThat(serversByKey.values()).allSatisfy(servers -> assertThat(servers).hasSize(1));
    Set<String> used = new HashSet<>();
    serversByKey.values().forEach(used::addAll);
    assertThat(used).as("30 keys over 3 servers").hasSizeGreaterThan(1);
  }

  @Test
  void defaultStrategy_besideGrpcRoundRobin_bothSpreadOverTheSameServers()
      throws InterruptedException {
    lb = LoadBalancer.builder("spread").endpoints(EndpointSource.of(
        backends.endpoints().toArray(new Endpoint[0]))).ticker(new FakeTicker()).build();
    channel = GrpcLoadBalancing.channelFor(lb).usePlaintext().build();
    ManagedChannel roundRobin = ManagedChannelBuilder.forTarget(backends.staticTarget())
        .defaultLoadBalancingPolicy("round_robin").usePlaintext().build();
    try {
      backends.warmUp(() -> {
        call(channel);
        call(roundRobin);
      });

      for (int i = 0; i < CALLS; i++) {
        call(channel);
      }
      int[] ours = backends.counts();
      backends.resetCounts();
      for (int i = 0; i < CALLS; i++) {
        call(roundRobin);
      }
      int[] grpcs = backends.counts();

      assertThat(lb.strategy().name()).isEqualTo("powerOfTwoChoices");
      for (int count : ours) {
        assertThat(count).as("powerOfTwoChoices per server").isGreaterThanOrEqualTo(CALLS / 9);
      }
      assertThat(grpcs).as("gRPC round_robin per server").containsOnly(CALLS / 3);
    } finally {
      shutdown(roundRobin);
    }
  }

  private ManagedChannel channelFor(Strategy strategy, List<Endpoint> endpoints) {
    lb = LoadBalancer.builder("spread")
        .endpoints(EndpointSource.of(endpoints.toArray(new Endpoint[0])))
        .strategy(strategy)
        .ticker(new FakeTicker())
        .build();
    return GrpcLoadBalancing.channelFor(lb).usePlaintext().build();
  }
}
