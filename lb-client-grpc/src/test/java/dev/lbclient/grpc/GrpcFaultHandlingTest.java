package dev.lbclient.grpc;

import static dev.lbclient.grpc.TestSupport.REQUEST;
import static dev.lbclient.grpc.TestSupport.await;
import static dev.lbclient.grpc.TestSupport.call;
import static dev.lbclient.grpc.TestSupport.failures;
import static dev.lbclient.grpc.TestSupport.inFlight;
import static dev.lbclient.grpc.TestSupport.shutdown;
import static dev.lbclient.grpc.TestSupport.successes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.EndpointStatus;
import dev.lbclient.LoadBalancer;
import dev.lbclient.MutableEndpointSource;
import dev.lbclient.Pick;
import dev.lbclient.RequestContext;
import dev.lbclient.RetryPolicy;
import dev.lbclient.grpc.Backends.Mode;
import dev.lbclient.grpc.TestSupport.FakeTicker;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Stopped, failing and slow servers, shared state, and clean shutdown, on real servers. */
class GrpcFaultHandlingTest {
  private static final Map<String, Object> RETRIES = GrpcServiceConfig.builder()
      .retries(RetryPolicy.builder().maxAttempts(5)
          .backoff(Duration.ofMillis(5), Duration.ofMillis(50)).build())
      .build();

  private Backends backends;
  private LoadBalancer lb;
  private ManagedChannel channel;

  @AfterEach
  void stopAll() throws InterruptedException {
    if (channel != null) {
      shutdown(channel);
    }
    if (lb != null) {
      lb.close();
    }
    if (backends != null) {
      backends.close();
    }
  }

  private void start(int servers, FakeTicker ticker, Map<String, ?> serviceConfig) {
    start(servers, ticker, serviceConfig, true);
  }

  private void start(int servers, FakeTicker ticker, Map<String, ?> serviceConfig,
      boolean retries) {
    backends = Backends.start(servers);
    LoadBalancer.Builder b = LoadBalancer.builder("faults")
        .endpoints(EndpointSource.of(backends.endpoints().toArray(new Endpoint[0])));
    if (ticker != null) {
      b.ticker(ticker);
    }
    lb = b.build();
    ManagedChannelBuilder<?> builder = GrpcLoadBalancing.channelFor(lb).usePlaintext()
        .defaultServiceConfig(serviceConfig);
    channel = (retries ? builder.enableRetry() : builder.disableRetry()).build();
    backends.warmUp(() -> call(channel));
  }

  private EndpointStatus status(int backend) {
    Endpoint e = backends.get(backend).endpoint();
    return lb.status().stream().filter(s -> s.endpoint().sameAddress(e)).findFirst()
        .orElseThrow();
  }

  @Test
  void serverStoppedMidRun_noCallFails() throws InterruptedException {
    start(4, new FakeTicker(), RETRIES);
    int failed = 0;

    for (int i = 0; i < 300; i++) {
      if (i == 100) {
        backends.get(1).stop();
      }
      try {
        call(channel);
      } catch (StatusRuntimeException e) {
        failed++;
      }
    }

    assertThat(failed).isZero();
    assertThat(backends.get(1).calls()).isLessThanOrEqualTo(100);
    await("every lease ended", () -> inFlight(lb) == 0);
  }

  @Test
  void unavailableServer_isEjectedThenReadmittedAfterItsEjectionTime() {
    FakeTicker ticker = new FakeTicker();
    start(3, ticker, RETRIES);
    Backends.Backend failing = backends.get(1);
    failing.mode = Mode.UNAVAILABLE;

    for (int i = 0; i < 300 && !status(1).isEjected(); i++) {
      call(channel); // retried elsewhere: never fails
    }
    assertThat(status(1).isEjected()).as("ejected: %s", lb.status()).isTrue();

    int before = failing.calls();
    for (int i = 0; i < 60; i++) {
      call(channel);
    }
    assertThat(failing.calls()).as("calls to the ejected server").isEqualTo(before);

    failing.mode = Mode.OK;
    ticker.advance(Duration.ofSeconds(31)); // the first ejection lasts 30 s
    for (int i = 0; i < 300 && failing.calls() == before; i++) {
      call(channel);
    }
    assertThat(failing.calls()).as("calls after re-admission").isGreaterThan(before);
    assertThat(status(1).isEjected()).isFalse();
  }

  @ParameterizedTest(name = "gRPC retries enabled: {0}")
  @ValueSource(booleans = {true, false})
  void slowServer_deadlineExceeded_leaseEndsAsFailure(boolean retries) {
    start(1, new FakeTicker(), Map.of(), retries);
    backends.get(0).mode = Mode.HANG;
    long successesBefore = successes(lb);

    assertThatThrownBy(() -> SimpleServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(200, TimeUnit.MILLISECONDS).unaryRpc(REQUEST))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));

    await("the lease ended", () -> inFlight(lb) == 0);
    assertThat(failures(lb)).isEqualTo(1);
    assertThat(successes(lb)).isEqualTo(successesBefore);
  }

  @ParameterizedTest(name = "gRPC retries enabled: {0}")
  @ValueSource(booleans = {true, false})
  void slowServer_deadlineExceededNotAFailure_whenConfigured(boolean retries) {
    start(1, new FakeTicker(),
        GrpcServiceConfig.builder().deadlineExceededIsFailure(false).build(), retries);
    backends.get(0).mode = Mode.HANG;
    long successesBefore = successes(lb);

    assertThatThrownBy(() -> SimpleServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(200, TimeUnit.MILLISECONDS).unaryRpc(REQUEST))
        .isInstanceOf(StatusRuntimeException.class);

    await("the lease ended", () -> inFlight(lb) == 0);
    assertThat(failures(lb)).isZero();
    assertThat(successes(lb)).isEqualTo(successesBefore + 1);
  }

  @Test
  void sharedLoadBalancer_failuresReportedByAnotherClient_steerGrpcCalls() {
    start(3, new FakeTicker(), Map.of());
    Endpoint shunned = backends.get(2).endpoint();

    // What an OkHttp interceptor (or any other user of the same load balancer) reports.
    for (int i = 0; i < 5; i++) {
      try (Pick pick = lb.pick(RequestContext.none(), e -> e.sameAddress(shunned))) {
        pick.failure(new IOException("connection reset"));
      }
    }
    for (int i = 0; i < 60; i++) {
      call(channel);
    }

    assertThat(status(2).isEjected()).isTrue();
    assertThat(backends.get(2).calls()).isZero();
    assertThat(backends.total()).isEqualTo(60);
  }

  @Test
  void endpointListChanges_reachTheChannel() {
    backends = Backends.start(3);
    List<Endpoint> all = backends.endpoints();
    MutableEndpointSource source = EndpointSource.mutable(all.get(0), all.get(1));
    lb = LoadBalancer.builder("changing").endpoints(source).build();
    channel = GrpcLoadBalancing.channelFor(lb).usePlaintext().build();
    for (int i = 0; i < 20; i++) {
      call(channel);
    }
    assertThat(backends.get(2).calls()).isZero();

    source.set(all);
    await("the added server serves", () -> {
      call(channel);
      return backends.get(2).calls() > 0;
    });

    source.set(all.get(1), all.get(2));
    int before = backends.get(0).calls();
    for (int i = 0; i < 60; i++) {
      call(channel);
    }
    assertThat(backends.get(0).calls()).as("calls to the removed server").isEqualTo(before);
  }

  @ParameterizedTest(name = "gRPC retries enabled: {0}")
  @ValueSource(booleans = {true, false})
  void channelShutdownNow_endsEveryLeaseWithoutBlamingServers(boolean retries) throws Exception {
    start(2, new FakeTicker(), Map.of(), retries);
    backends.get(0).mode = Mode.HANG;
    backends.get(1).mode = Mode.HANG;
    long failuresBefore = failures(lb);
    List<Future<SimpleResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      calls.add(SimpleServiceGrpc.newFutureStub(channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS).unaryRpc(REQUEST));
    }
    await("6 calls in flight", () -> inFlight(lb) == 6);

    shutdown(channel);
    channel = null;

    await("every lease ended", () -> inFlight(lb) == 0);
    await("every call ended", () -> calls.stream().allMatch(Future::isDone));
    assertThat(failures(lb)).as("failures blamed on servers").isEqualTo(failuresBefore);
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(t -> t.getName().toLowerCase(java.util.Locale.ROOT).contains("lbclient"));
  }

  @Test
  void loadBalancerClosed_callsFailUnavailableWithoutRetry() {
    start(2, new FakeTicker(), RETRIES);
    int before = backends.total();
    lb.close();

    assertThatThrownBy(() -> call(channel))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription())
              .isEqualTo("load balancer for faults is closed");
        });
    assertThat(backends.total()).isEqualTo(before);
  }

  @Test
  void waitForReadyCallCancelledBeforeAnyPick_leavesNoLease() throws Exception {
    start(1, new FakeTicker(), Map.of());
    backends.get(0).stop();
    await("the channel saw the server go", () -> {
      io.grpc.ConnectivityState s = channel.getState(false);
      return s == io.grpc.ConnectivityState.TRANSIENT_FAILURE
          || s == io.grpc.ConnectivityState.CONNECTING || s == io.grpc.ConnectivityState.IDLE;
    });
    io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
    Future<SimpleResponse> pending = context.call(() -> SimpleServiceGrpc.newFutureStub(channel)
        .withWaitForReady().withDeadlineAfter(30, TimeUnit.SECONDS).unaryRpc(REQUEST));

    context.cancel(null);

    await("the call ended", pending::isDone);
    assertThat(inFlight(lb)).isZero();
  }
}
