package dev.lbclient.grpc;

import static io.grpc.ConnectivityState.CONNECTING;
import static io.grpc.ConnectivityState.IDLE;
import static io.grpc.ConnectivityState.READY;
import static io.grpc.ConnectivityState.TRANSIENT_FAILURE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.EndpointStats;
import dev.lbclient.LoadBalancer;
import dev.lbclient.Pick;
import dev.lbclient.RequestContext;
import dev.lbclient.Strategy;
import dev.lbclient.grpc.FakeHelper.FakeSubchannel;
import dev.lbclient.grpc.TestSupport.FakeTicker;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ClientStreamTracer;
import io.grpc.Deadline;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.ResolvedAddresses;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The policy against a fake channel: connectivity, pickers, and where every lease ends. */
class LbClientLoadBalancerTest {
  private static final List<Endpoint> ENDPOINTS = List.of(Endpoint.of("10.0.0.1", 8080),
      Endpoint.of("10.0.0.2", 8080), Endpoint.of("10.0.0.3", 8080));

  private final FakeHelper helper = new FakeHelper();
  private final LbClientLoadBalancer policy = new LbClientLoadBalancer(helper);
  private final FakeTicker ticker = new FakeTicker();
  private LoadBalancer shared;

  @AfterEach
  void close() {
    helper.syncContext.execute(policy::shutdown);
    if (shared != null) {
      shared.close();
    }
  }

  private LoadBalancer shared(Strategy strategy) {
    shared = LoadBalancer.builder("shared")
        .endpoints(EndpointSource.of(ENDPOINTS.toArray(new Endpoint[0])))
        .strategy(strategy).ticker(ticker).build();
    return shared;
  }

  private Status resolve(List<Endpoint> endpoints, LoadBalancer lb, PolicyConfig config) {
    List<EquivalentAddressGroup> groups =
        AddressGroups.of(endpoints, new ArrayList<>());
    Attributes attrs = lb == null ? Attributes.EMPTY
        : Attributes.newBuilder().set(GrpcLoadBalancing.LOAD_BALANCER, lb).build();
    Status[] status = new Status[1];
    helper.syncContext.execute(() -> status[0] = policy.acceptResolvedAddresses(
        ResolvedAddresses.newBuilder().setAddresses(groups).setAttributes(attrs)
            .setLoadBalancingPolicyConfig(config).build()));
    return status[0];
  }

  private LoadBalancer resolveShared() {
    LoadBalancer lb = shared(Strategy.roundRobin());
    resolve(ENDPOINTS, lb, PolicyConfig.DEFAULTS);
    return lb;
  }

  private FakeSubchannel sub(int i) {
    return helper.subchannels.get(i);
  }

  private static PickSubchannelArgs args(CallOptions options) {
    return new PickSubchannelArgs() {
      @Override
      public CallOptions getCallOptions() {
        return options;
      }

      @Override
      public Metadata getHeaders() {
        return new Metadata();
      }

      @Override
      public MethodDescriptor<?, ?> getMethodDescriptor() {
        return SimpleServiceGrpc.getUnaryRpcMethod();
      }
    };
  }

  private PickResult pick() {
    return helper.picker.pickSubchannel(args(CallOptions.DEFAULT));
  }

  private static ClientStreamTracer startStream(PickResult result, CallOptions options) {
    return result.getStreamTracerFactory().newClientStreamTracer(
        ClientStreamTracer.StreamInfo.newBuilder().setCallOptions(options).build(),
        new Metadata());
  }

  private static EndpointStats stats(LoadBalancer lb, int i) {
    return lb.stats().get(i);
  }

  private static int inFlight(LoadBalancer lb) {
    return lb.stats().stream().mapToInt(EndpointStats::inFlight).sum();
  }

  @Test
  void acceptResolvedAddresses_connectsOneSubchannelPerEndpoint() {
    Status status = resolve(ENDPOINTS, null, PolicyConfig.DEFAULTS);

    assertThat(status.isOk()).isTrue();
    assertThat(helper.subchannels).hasSize(3)
        .allSatisfy(s -> assertThat(s.connectionRequests).isEqualTo(1));
    assertThat(helper.state()).isEqualTo(CONNECTING);
    PickResult result = pick();
    assertThat(result.getSubchannel()).isNull();
    assertThat(result.getStatus().isOk()).isTrue(); // buffered until a connection is READY
  }

  @Test
  void readySubchannels_areTheOnlyOnesPicked() {
    resolveShared();
    sub(0).set(READY);
    sub(2).set(READY);

    Map<Subchannel, Integer> picked = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      PickResult r = pick();
      picked.merge(r.getSubchannel(), 1, Integer::sum);
      startStream(r, CallOptions.DEFAULT).streamClosed(Status.OK);
    }

    assertThat(helper.state()).isEqualTo(READY);
    assertThat(picked).containsOnlyKeys(sub(0), sub(2));
    assertThat(picked.values()).containsOnly(15);
  }

  @Test
  void subchannelStates_aggregateAsRoundRobinDoes() {
    resolveShared();
    sub(0).set(TRANSIENT_FAILURE);
    sub(1).set(TRANSIENT_FAILURE);
    assertThat(helper.state()).isEqualTo(CONNECTING); // sub(2) is still connecting

    sub(2).set(TRANSIENT_FAILURE);
    assertThat(helper.state()).isEqualTo(TRANSIENT_FAILURE);
    Status error = pick().getStatus();
    assertThat(error.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(error.getDescription()).isEqualTo(
        "refused\nlbclient: no READY connection to any of 3 endpoints of test-service");

    int published = helper.states.size();
    sub(0).set(CONNECTING); // sticky TRANSIENT_FAILURE while gRPC reconnects
    assertThat(helper.states).hasSize(published);
    assertThat(helper.state()).isEqualTo(TRANSIENT_FAILURE);

    sub(0).set(READY);
    assertThat(helper.state()).isEqualTo(READY);
  }

  @Test
  void idleSubchannel_reconnectsAtOnceAndRefreshesResolution() {
    resolveShared();
    sub(0).set(READY);

    sub(0).set(IDLE);
    assertThat(sub(0).connectionRequests).isEqualTo(2);
    assertThat(helper.refreshes).isEqualTo(1);
    assertThat(helper.state()).isEqualTo(CONNECTING);

    sub(1).set(TRANSIENT_FAILURE);
    assertThat(helper.refreshes).isEqualTo(2);
  }

  @ParameterizedTest(name = "{0} -> successes {1}, failures {2}")
  @CsvSource({
      "OK, 1, 0",
      "UNAVAILABLE, 0, 1",
      "RESOURCE_EXHAUSTED, 0, 1",
      "DEADLINE_EXCEEDED, 0, 1",
      "NOT_FOUND, 1, 0",
      "INTERNAL, 1, 0",
      "PERMISSION_DENIED, 1, 0",
      "CANCELLED, 0, 0"})
  void streamClosed_reportsTheStatusOnce(Status.Code code, long successes, long failures) {
    LoadBalancer lb = resolveShared();
    sub(0).set(READY);
    ClientStreamTracer tracer = startStream(pick(), CallOptions.DEFAULT);
    assertThat(stats(lb, 0).inFlight()).isEqualTo(1);

    tracer.inboundHeaders();
    tracer.streamClosed(Status.fromCode(code));
    tracer.streamClosed(Status.OK);

    assertThat(stats(lb, 0).inFlight()).isZero();
    assertThat(stats(lb, 0).successes()).isEqualTo(successes);
    assertThat(stats(lb, 0).failures()).isEqualTo(failures);
  }

  @Test
  void deadlineExceeded_isASuccess_whenConfigured() {
    LoadBalancer lb = shared(Strategy.roundRobin());
    resolve(ENDPOINTS, lb, new PolicyConfig(null, null, false));
    sub(0).set(READY);

    startStream(pick(), CallOptions.DEFAULT).streamClosed(Status.DEADLINE_EXCEEDED);

    assertThat(stats(lb, 0).successes()).isEqualTo(1);
    assertThat(stats(lb, 0).failures()).isZero();
  }

  @Test
  void attemptCancelledAfterItsDeadline_countsAsDeadlineExceeded() {
    LoadBalancer lb = resolveShared();
    sub(0).set(READY);
    CallOptions expired = CallOptions.DEFAULT.withDeadline(Deadline.after(-1, TimeUnit.SECONDS));

    startStream(pick(), expired).streamClosed(Status.CANCELLED
        .withDescription("Stream thrown away because RetriableStream committed"));

    assertThat(stats(lb, 0).failures()).isEqualTo(1);
    assertThat(stats(lb, 0).inFlight()).isZero();
  }

  @Test
  void pickNeverClaimedByAStream_endsAtTheSecondSweep() {
    LoadBalancer lb = resolveShared();
    sub(0).set(READY);
    PickResult dropped = pick(); // gRPC found no transport and picks again: no tracer is made
    assertThat(inFlight(lb)).isEqualTo(1);

    helper.runTimers();
    assertThat(inFlight(lb)).as("after the first sweep").isEqualTo(1);
    helper.runTimers();
    assertThat(inFlight(lb)).as("after the second sweep").isZero();

    startStream(dropped, CallOptions.DEFAULT).streamClosed(Status.OK);
    assertThat(stats(lb, 0).successes()).as("a late stream reports nothing").isZero();
    assertThat(inFlight(lb)).isZero();
  }

  @Test
  void claimedPick_isNotSwept() {
    LoadBalancer lb = resolveShared();
    sub(0).set(READY);
    ClientStreamTracer tracer = startStream(pick(), CallOptions.DEFAULT);

    helper.runTimers();
    helper.runTimers();
    assertThat(inFlight(lb)).isEqualTo(1);

    tracer.streamClosed(Status.OK);
    assertThat(stats(lb, 0).successes()).isEqualTo(1);
  }

  @Test
  void shutdown_releasesSubchannelsUnclaimedLeasesAndTimers() {
    LoadBalancer lb = resolveShared();
    sub(0).set(READY);
    pick();
    ClientStreamTracer started = startStream(pick(), CallOptions.DEFAULT);
    assertThat(inFlight(lb)).isEqualTo(2);

    helper.syncContext.execute(policy::shutdown);

    assertThat(helper.subchannels).allSatisfy(s -> assertThat(s.shutdown).isTrue());
    assertThat(inFlight(lb)).as("the unclaimed lease ended").isEqualTo(1);
    assertThat(helper.timer.live()).isZero();
    started.streamClosed(Status.OK); // a started stream ends when its transport closes it
    assertThat(inFlight(lb)).isZero();
    assertThat(lb.stats().get(0).successes()).isEqualTo(1);
  }

  @Test
  void pickOnAStalePickerAfterShutdown_endsItsLeaseAtOnce() {
    LoadBalancer lb = resolveShared();
    sub(0).set(READY);
    helper.syncContext.execute(policy::shutdown);

    PickResult result = pick();

    assertThat(result.getSubchannel()).isNull();
    assertThat(inFlight(lb)).isZero();
  }

  @Test
  void shutdown_closesTheLoadBalancerItBuilt() {
    resolve(ENDPOINTS, null, new PolicyConfig(Strategy.roundRobin(), null, true));
    sub(0).set(READY);
    LbClientPicker picker = (LbClientPicker) helper.picker;
    helper.syncContext.execute(policy::shutdown);

    PickResult result = picker.pickSubchannel(args(CallOptions.DEFAULT));

    assertThat(result.getSubchannel()).isNull();
    assertThat(result.getStatus().isOk()).as("picked again, not failed").isTrue();
    assertThat(picker.toString()).contains("LoadBalancer{test-service, roundRobin");
  }

  @Test
  void sharedLoadBalancerClosedByTheApplication_dropsCalls() {
    LoadBalancer lb = resolveShared();
    sub(0).set(READY);
    lb.close();

    PickResult result = pick();

    assertThat(result.isDrop()).isTrue();
    assertThat(result.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(result.getStatus().getDescription())
        .isEqualTo("load balancer for shared is closed");
  }

  @Test
  void ownLoadBalancer_usesTheConfiguredStrategy() {
    resolve(ENDPOINTS, null, new PolicyConfig(Strategy.roundRobin(), null, true));
    sub(0).set(READY);
    sub(1).set(READY);
    sub(2).set(READY);

    Map<Subchannel, Integer> picked = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      PickResult r = pick();
      picked.merge(r.getSubchannel(), 1, Integer::sum);
      startStream(r, CallOptions.DEFAULT).streamClosed(Status.OK);
    }

    assertThat(picked.values()).containsExactlyInAnyOrder(10, 10, 10);
  }

  @Test
  void requestContext_keyPicksTheSameSubchannel() {
    resolve(ENDPOINTS, shared(Strategy.consistentHash()), PolicyConfig.DEFAULTS);
    sub(0).set(READY);
    sub(1).set(READY);
    sub(2).set(READY);
    CallOptions keyed = CallOptions.DEFAULT
        .withOption(GrpcLoadBalancing.REQUEST_CONTEXT, RequestContext.withKey("user-42"));

    List<Subchannel> picked = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      PickResult r = helper.picker.pickSubchannel(args(keyed));
      picked.add(r.getSubchannel());
      startStream(r, keyed).streamClosed(Status.OK);
    }

    assertThat(picked).containsOnly(picked.get(0));
  }

  @Test
  void removedEndpoint_subchannelShutDown() {
    resolveShared();

    resolve(ENDPOINTS.subList(0, 2), shared, PolicyConfig.DEFAULTS);

    assertThat(sub(2).shutdown).isTrue();
    assertThat(sub(0).shutdown).isFalse();
    assertThat(sub(1).shutdown).isFalse();
    assertThat(helper.subchannels).hasSize(3);
  }

  @Test
  void everyReadyEndpointRefused_failsUnavailableAndRepicksLater() {
    LoadBalancer lb = resolveShared();
    sub(0).set(READY);
    for (int i = 0; i < 5; i++) { // another user of the load balancer saw it fail
      try (Pick p = lb.pick(RequestContext.none(), e -> e.sameAddress(ENDPOINTS.get(0)))) {
        p.failure(new IOException("reset"));
      }
    }

    PickResult result = pick();

    assertThat(result.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(result.getStatus().getDescription()).startsWith("no endpoint available for shared:"
        + " none of the usable endpoints is accepted by the caller's filter");
    assertThat(result.isDrop()).isFalse(); // wait-for-ready calls stay buffered
    int published = helper.states.size();
    helper.runTimers();
    assertThat(helper.states).hasSize(published + 1);
    assertThat(helper.state()).isEqualTo(READY);
  }

  @Test
  void emptyResolution_isTransientFailure() {
    Status status = resolve(List.of(), null, PolicyConfig.DEFAULTS);

    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription())
        .isEqualTo("lbclient: no usable address for test-service in []");
    assertThat(helper.state()).isEqualTo(TRANSIENT_FAILURE);
  }

  @Test
  void resolutionError_whileReady_keepsServing() {
    resolveShared();
    sub(0).set(READY);
    int published = helper.states.size();

    helper.syncContext.execute(() -> policy.handleNameResolutionError(
        Status.UNAVAILABLE.withDescription("resolver down")));

    assertThat(helper.states).hasSize(published);
    assertThat(pick().getSubchannel()).isSameAs(sub(0));
  }

  @Test
  void configChange_publishesAPickerWithTheNewLoadBalancer() {
    resolve(ENDPOINTS, null, new PolicyConfig(Strategy.roundRobin(), null, true));
    sub(0).set(READY);
    LbClientPicker before = (LbClientPicker) helper.picker;

    resolve(ENDPOINTS, null, new PolicyConfig(Strategy.random(), null, true));

    assertThat(helper.picker).isNotSameAs(before);
    PickResult r = pick();
    assertThat(r.getSubchannel()).isSameAs(sub(0));
    PickResult stale = before.pickSubchannel(args(CallOptions.DEFAULT));
    assertThat(stale.getSubchannel()).as("the replaced load balancer is closed").isNull();
    assertThat(stale.isDrop()).as("the call is picked again, not dropped").isFalse();
  }

  @Test
  void sameAddressesAgain_publishNothing() {
    resolveShared();
    sub(0).set(READY);
    int published = helper.states.size();

    resolve(ENDPOINTS, shared, PolicyConfig.DEFAULTS);

    assertThat(helper.states).hasSize(published);
    assertThat(helper.subchannels).hasSize(3);
  }

  @Test
  void addressGroupsFromOtherResolvers_becomeEndpointsOfItsOwnLoadBalancer() {
    List<EquivalentAddressGroup> plain = List.of(
        new EquivalentAddressGroup(new InetSocketAddress("10.0.0.1", 8080)),
        new EquivalentAddressGroup(new InetSocketAddress("10.0.0.2", 8080)));
    helper.syncContext.execute(() -> policy.acceptResolvedAddresses(
        ResolvedAddresses.newBuilder().setAddresses(plain).build()));
    sub(1).set(READY);

    PickResult r = pick();

    assertThat(r.getSubchannel()).isSameAs(sub(1));
    assertThat(helper.picker.toString()).contains("ready=[10.0.0.2:8080]");
  }
}
