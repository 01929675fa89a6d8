package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LeaseTest {
  private static final long MS = 1_000_000L;
  private static final Endpoint A = Endpoint.of("10.0.0.1", 80);
  private static final RuntimeException BOOM = new RuntimeException("boom");

  private final AtomicLong now = new AtomicLong(7 * MS);
  private final DefaultLoadBalancer lb = TestSupport.lb(Strategy.roundRobin(), 1, now, A);
  private final EndpointState a = lb.states()[0];

  enum Completion {
    SUCCESS(Pick::success),
    FAILURE(p -> p.failure(BOOM)),
    CANCEL(Pick::cancel),
    CLOSE(Pick::close);

    final Consumer<Pick> action;

    Completion(Consumer<Pick> action) {
      this.action = action;
    }
  }

  /** Every order of three of the four completions. */
  static Stream<List<Completion>> orders() {
    List<List<Completion>> result = new ArrayList<>();
    for (Completion x : Completion.values()) {
      for (Completion y : Completion.values()) {
        for (Completion z : Completion.values()) {
          if (x != y && y != z && x != z) {
            result.add(List.of(x, y, z));
          }
        }
      }
    }
    return result.stream();
  }

  @Test
  void pick_incrementsInFlight() {
    Pick first = lb.pick();
    assertThat(a.inFlight()).isEqualTo(1);
    Pick second = lb.pick();
    assertThat(a.inFlight()).isEqualTo(2);

    first.close();
    second.close();
    assertThat(a.inFlight()).isZero();
  }

  @Test
  void pick_endpointIsThePickedOne() {
    try (Pick p = lb.pick()) {
      assertThat(p.endpoint()).isEqualTo(A);
      assertThat(((Lease) p).state()).isSameAs(a);
    }
  }

  @ParameterizedTest
  @MethodSource("orders")
  void completion_firstWinsOnce(List<Completion> order) {
    Pick p = lb.pick();
    now.addAndGet(5 * MS);

    for (int round = 0; round < 2; round++) {
      for (Completion c : order) {
        c.action.accept(p);
        assertThat(a.inFlight()).isZero();
      }
    }

    Completion first = order.get(0);
    assertThat(a.successes()).isEqualTo(first == Completion.SUCCESS ? 1 : 0);
    assertThat(a.failures())
        .isEqualTo(first == Completion.FAILURE || first == Completion.CLOSE ? 1 : 0);
    // A cancel's 5 ms count too: they raise the estimate of an endpoint measured never before.
    assertThat(a.latencyEstimateNanos()).isEqualTo(5e6);
  }

  @Test
  void success_latencyFromTicker() {
    Pick p = lb.pick();
    now.addAndGet(30 * MS);

    p.success();

    assertThat(a.latencyEstimateNanos()).isEqualTo(30e6);
    assertThat(a.successes()).isEqualTo(1);
  }

  @Test
  void failure_latencyFromTicker() {
    Pick p = lb.pick();
    now.addAndGet(12 * MS);

    p.failure(BOOM);

    assertThat(a.latencyEstimateNanos()).isEqualTo(12e6);
    assertThat(a.failures()).isEqualTo(1);
    assertThat(a.successes()).isZero();
  }

  @Test
  void success_latencyFromPickNotFromEarlierTime() {
    now.addAndGet(1_000 * MS);
    Pick p = lb.pick();
    now.addAndGet(4 * MS);
    p.success();

    assertThat(a.latencyEstimateNanos()).isEqualTo(4e6);
  }

  @Test
  void cancel_neitherSuccessNorFailure_itsTimeOnlyRaisesTheEstimate() {
    Pick first = lb.pick();
    now.addAndGet(10 * MS);
    first.success();
    assertThat(a.latencyEstimateNanos()).isEqualTo(10e6);

    Pick slow = lb.pick();
    now.addAndGet(30 * MS);
    slow.cancel(); // it would have taken at least 30 ms
    assertThat(a.latencyEstimateNanos()).isEqualTo(30e6);

    Pick quick = lb.pick();
    now.addAndGet(MS);
    quick.cancel(); // 1 ms says nothing about how long it would have taken
    assertThat(a.latencyEstimateNanos()).isEqualTo(30e6);

    assertThat(a.successes()).isEqualTo(1);
    assertThat(a.failures()).isZero();
    assertThat(a.inFlight()).isZero();
  }

  @Test
  void failure_nullCause() {
    Pick p = lb.pick();

    assertThatThrownBy(() -> p.failure(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("cause");

    assertThat(a.inFlight()).isEqualTo(1);
    assertThat(a.failures()).isZero();
    now.addAndGet(3 * MS);
    p.success();
    assertThat(a.inFlight()).isZero();
    assertThat(a.successes()).isEqualTo(1);
  }

  @Test
  void close_withoutOutcome_recordsFailureWithLatency() {
    Pick p = lb.pick();
    now.addAndGet(30 * MS);

    p.close();

    assertThat(a.failures()).isEqualTo(1);
    assertThat(a.successes()).isZero();
    assertThat(a.latencyEstimateNanos()).isEqualTo(30e6);
    assertThat(a.inFlight()).isZero();
  }

  /** The README's idiom: a call that throws inside try-with-resources counts as a failure. */
  @Test
  void tryWithResources_callThrows_recordsFailure() {
    assertThatThrownBy(() -> {
      try (Pick p = lb.pick()) {
        assertThat(a.inFlight()).isEqualTo(1);
        throwingCall(p.endpoint());
        p.success();
      }
    }).isSameAs(BOOM);

    assertThat(a.inFlight()).isZero();
    assertThat(a.failures()).isEqualTo(1);
    assertThat(a.successes()).isZero();
  }

  @Test
  void tryWithResources_successReported_recordsSuccessOnly() {
    try (Pick p = lb.pick()) {
      p.success();
    }
    assertThat(a.successes()).isEqualTo(1);
    assertThat(a.failures()).isZero();
  }

  private static void throwingCall(Endpoint e) {
    throw BOOM;
  }

  @Test
  void toString_showsOpenThenDone() {
    Pick p = lb.pick();
    assertThat(p.toString()).isEqualTo("Pick{10.0.0.1:80, open}");
    p.success();
    assertThat(p.toString()).isEqualTo("Pick{10.0.0.1:80, done}");
  }
}
