package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Timed changes happen on time on the load balancer's timer, whether or not anyone picks: nothing
 * in these tests picks after the change it waits for. Virtual time: the clock is the ticker and
 * runs the timer's tasks as it passes them.
 */
class TimedChangesTest {
  private static final Endpoint A = Endpoint.of("10.0.0.1", 8080);
  private static final Endpoint B = Endpoint.of("10.0.0.2", 8080);
  private static final Endpoint C = Endpoint.of("10.0.0.3", 8080);

  private final VirtualClock clock = new VirtualClock();
  private final List<String> events = new ArrayList<>();

  private LoadBalancer.Builder builder(EndpointSource source) {
    return LoadBalancer.builder("orders")
        .endpoints(source)
        .strategy(Strategy.roundRobin())
        .ticker(clock)
        .timer(clock)
        .listener(new LoadBalancerListener() {
          @Override
          public void onEjected(String service, Endpoint e, Duration d, String reason) {
            events.add("ejected " + e.address() + " at " + clock.read() / 1_000_000 + " ms");
          }

          @Override
          public void onReadmitted(String service, Endpoint e) {
            events.add("readmitted " + e.address() + " at " + clock.read() / 1_000_000 + " ms");
          }
        });
  }

  private static void fail(LoadBalancer lb, Endpoint e) {
    lb.pick(RequestContext.none(), x -> x.sameAddress(e)).failure(new IOException("boom"));
  }

  private static EndpointStatus statusOf(LoadBalancer lb, Endpoint e) {
    return lb.status().stream().filter(s -> s.endpoint().sameAddress(e)).findFirst().orElseThrow();
  }

  @Test
  void ejection_endsOnTime_withoutAPick() {
    LoadBalancer lb = builder(EndpointSource.of(A, B, C))
        .outlierDetection(OutlierDetection.builder().consecutiveFailures(1)
            .baseEjectionTime(Duration.ofMillis(200)).build())
        .noCircuitBreakers()
        .build();
    fail(lb, A);
    assertThat(statusOf(lb, A).isEjected()).isTrue();

    clock.advance(Duration.ofMillis(199));
    assertThat(statusOf(lb, A).isEjected()).isTrue();
    clock.advance(Duration.ofMillis(1301));

    assertThat(statusOf(lb, A).isEjected()).isFalse();
    assertThat(statusOf(lb, A).toString()).isEqualTo("10.0.0.1:8080 usable");
    assertThat(events).containsExactly("ejected 10.0.0.1:8080 at 0 ms",
        "readmitted 10.0.0.1:8080 at 200 ms");
    assertThat(clock.pending()).as("nothing left to time").isZero();
  }

  @Test
  void breakerWait_endsOnTime_endpointOfferedProbesWithoutAPick() {
    DefaultLoadBalancer lb = (DefaultLoadBalancer) builder(EndpointSource.of(A, B, C))
        .outlierDetection(OutlierDetection.disabled())
        .circuitBreaker(io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.custom()
            .slidingWindowSize(2).minimumNumberOfCalls(2)
            .waitDurationInOpenState(Duration.ofSeconds(10)).build())
        .build();
    fail(lb, A);
    fail(lb, A);
    assertThat(statusOf(lb, A).breakerState()).isEqualTo(CircuitBreaker.State.OPEN);
    Snapshot open = lb.publisherSnapshot();
    assertThat(open.probes).isNull();
    assertThat(open.picker.states).doesNotContain(lb.states()[0]);

    clock.advance(Duration.ofSeconds(10));

    Snapshot waitOver = lb.publisherSnapshot();
    assertThat(waitOver.version).isGreaterThan(open.version);
    assertThat(waitOver.probes).containsExactly(lb.states()[0]);
  }

  @Test
  void slowStart_stepsOnTime_withoutAPick() {
    MutableEndpointSource source = EndpointSource.mutable(A, B);
    DefaultLoadBalancer lb = (DefaultLoadBalancer) builder(source)
        .slowStart(Duration.ofSeconds(20))
        .build();
    source.set(A, B, C);
    long joined = lb.version();

    clock.advance(Duration.ofSeconds(20));

    // 20 steps of 1 s, then the ramp's end: one snapshot each, none prompted by a pick.
    assertThat(lb.version() - joined).isEqualTo(20);
    assertThat(lb.states()[2].ramping).isFalse();
    assertThat(clock.pending()).isZero();
  }

  @Test
  void penalty_endsOnTime_withoutAPick() {
    LoadBalancer lb = builder(EndpointSource.of(A, B, C)).build();
    lb.penalize(B, Duration.ofSeconds(3));
    assertThat(statusOf(lb, B).isEjected()).isTrue();

    clock.advance(Duration.ofSeconds(3));

    assertThat(statusOf(lb, B).isEjected()).isFalse();
  }

  @Test
  void close_cancelsTheTimer() {
    LoadBalancer lb = builder(EndpointSource.of(A, B, C))
        .outlierDetection(OutlierDetection.builder().consecutiveFailures(1).build())
        .build();
    fail(lb, A);
    assertThat(clock.pending()).isEqualTo(1);

    lb.close();

    assertThat(clock.pending()).isZero();
  }

  @Test
  void removedStates_forgottenOnTime_withoutAnotherList() {
    MutableEndpointSource source = EndpointSource.mutable(A, B, C);
    DefaultLoadBalancer lb = (DefaultLoadBalancer) builder(source)
        .removedEndpointGrace(Duration.ofMinutes(1))
        .build();
    source.set(A, B); // C leaves at 0 s
    clock.advance(Duration.ofSeconds(30));
    source.set(A); // B leaves at 30 s
    assertThat(clock.pending()).as("one task for both").isEqualTo(1);

    clock.advance(Duration.ofSeconds(31));
    assertThat(lb.pool().remembered()).isEqualTo(1);
    assertThat(clock.pending()).as("re-armed for B").isEqualTo(1);

    clock.advance(Duration.ofSeconds(30));
    assertThat(lb.pool().remembered()).isZero();
    assertThat(clock.pending()).isZero();
  }

  @Test
  void close_cancelsTheForgetTask() {
    MutableEndpointSource source = EndpointSource.mutable(A, B, C);
    LoadBalancer lb = builder(source).build();
    source.set(A);
    assertThat(clock.pending()).isEqualTo(1);

    lb.close();

    assertThat(clock.pending()).isZero();
  }
}
