package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hedged {@code execute()}: the hedge goes to an endpoint not tried yet after the delay on the
 * virtual clock, the first answer wins, the loser is cancelled (neither success nor failure), the
 * budget refuses hedges, and the delay follows the recent latency percentile. Attempts block on
 * latches; nothing sleeps.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class HedgingTest {
  private static final String[] THREE = {"10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"};

  private final VirtualClock clock = new VirtualClock();
  private final ExecutorService attempts = Executors.newCachedThreadPool();
  private final ExecutorService callers = Executors.newCachedThreadPool();
  /** Endpoint port (last octet) -> latch its attempt waits on; absent: answers at once. */
  private final Map<String, CountDownLatch> holds = new ConcurrentHashMap<>();
  private final List<String> called = new CopyOnWriteArrayList<>();
  private final List<String> interrupted = new CopyOnWriteArrayList<>();
  /** Attempts handed to the executor. */
  private final AtomicInteger submitted = new AtomicInteger();
  /** One permit per attempt started. */
  private final Semaphore starts = new Semaphore(0);

  @AfterEach
  void stop() {
    holds.values().forEach(CountDownLatch::countDown);
    attempts.shutdownNow();
    callers.shutdownNow();
  }

  private LoadBalancer lb(HedgingPolicy policy, String... endpoints) {
    return LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(endpoints))
        .strategy(Strategy.roundRobin())
        .rng(Randoms.seeded(1))
        .ticker(clock)
        .timer(clock)
        .sleeper(clock)
        .hedging(policy)
        .build();
  }

  private HedgingPolicy.Builder policy() {
    return HedgingPolicy.builder().executor(r -> {
      submitted.incrementAndGet();
      attempts.execute(r);
    });
  }

  /** The call: records the endpoint, waits on its hold if any, answers with its address. */
  private String call(Endpoint e) throws InterruptedException {
    String address = e.address();
    called.add(address);
    starts.release();
    CountDownLatch hold = holds.get(address);
    if (hold != null) {
      try {
        hold.await();
      } catch (InterruptedException ex) {
        interrupted.add(address);
        throw ex;
      }
    }
    return "from " + address;
  }

  /** Waits until {@code n} more attempts started. */
  private void awaitStarts(int n) throws InterruptedException {
    assertThat(starts.tryAcquire(n, 10, TimeUnit.SECONDS)).as(n + " attempts started").isTrue();
  }

  private Future<String> executeAsync(LoadBalancer lb) {
    return callers.submit(() -> lb.execute(this::call));
  }

  private static Hedging hedging(LoadBalancer lb) {
    Hedging h = lb.hedging();
    assertThat(h).as("the load balancer's hedging state").isNotNull();
    return h;
  }

  /** Makes every endpoint's attempt wait on {@code hold}. */
  private void holdAll(LoadBalancer lb, CountDownLatch hold) {
    for (Endpoint e : lb.endpoints()) {
      holds.put(e.address(), hold);
    }
  }

  private static long sum(LoadBalancer lb, String what) {
    return lb.stats().stream().mapToLong(s -> switch (what) {
      case "successes" -> s.successes();
      case "failures" -> s.failures();
      default -> s.inFlight();
    }).sum();
  }

  @Test
  void hedge_afterDelay_toAnotherEndpoint_firstAnswerWins_loserCancelled() throws Exception {
    LoadBalancer lb = lb(policy().delay(Duration.ofMillis(10))
        .budget(RetryBudget.unlimited()).build(), THREE);
    for (Endpoint e : lb.endpoints()) {
      holds.put(e.address(), new CountDownLatch(1));
    }
    Future<String> result = executeAsync(lb);
    awaitStarts(1);
    String primary = called.get(0);
    // Every endpoint but the primary answers at once from now on.
    for (Endpoint e : lb.endpoints()) {
      if (!e.address().equals(primary)) {
        holds.remove(e.address()).countDown();
      }
    }
    clock.advanceMillis(10);

    String answer = result.get(10, TimeUnit.SECONDS);
    assertThat(called).hasSize(2).doesNotHaveDuplicates();
    assertThat(answer).isEqualTo("from " + called.get(1));
    assertThat(sum(lb, "successes")).isEqualTo(1);
    assertThat(sum(lb, "failures")).as("the loser counts as cancelled").isZero();
    assertThat(sum(lb, "inFlight")).isZero();
    attempts.shutdown();
    assertThat(attempts.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThat(interrupted).as("the loser's thread was interrupted").containsExactly(primary);
    Hedging h = hedging(lb);
    assertThat(h.hedgesAllowed()).isEqualTo(1);
    assertThat(h.hedgesWon()).isEqualTo(1);
    lb.close();
  }

  @Test
  void primaryFails_whileHedgeOut_hedgeAnswers_failureCountedOnce() throws Exception {
    // The classifier runs on the calling thread as it takes the failure in: then the hedge answers.
    CountDownLatch failureSeen = new CountDownLatch(1);
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(THREE))
        .strategy(Strategy.roundRobin())
        .ticker(clock)
        .timer(clock)
        .sleeper(clock)
        .retryPolicy(RetryPolicy.builder().classifier(error -> {
          failureSeen.countDown();
          return ExceptionClassifier.defaults().classify(error);
        }).build())
        .hedging(policy().delay(Duration.ofMillis(10)).budget(RetryBudget.unlimited()).build())
        .build();
    for (Endpoint e : lb.endpoints()) {
      holds.put(e.address(), new CountDownLatch(1));
    }
    Map<String, Boolean> fails = new ConcurrentHashMap<>();
    Future<String> result = callers.submit(() -> lb.execute(e -> {
      String answer = call(e);
      if (fails.containsKey(e.address())) {
        throw new java.io.IOException("reset by " + e.address());
      }
      return answer;
    }));
    awaitStarts(1);
    String primary = called.get(0);
    fails.put(primary, true);
    clock.advanceMillis(10);
    awaitStarts(1);
    String hedge = called.get(1);
    holds.get(primary).countDown(); // the primary fails first, the hedge is still out
    assertThat(failureSeen.await(10, TimeUnit.SECONDS)).isTrue();
    holds.get(hedge).countDown();

    assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("from " + hedge);
    assertThat(called).hasSize(2).doesNotHaveDuplicates();
    assertThat(sum(lb, "failures")).isEqualTo(1);
    assertThat(sum(lb, "successes")).isEqualTo(1);
    assertThat(sum(lb, "inFlight")).isZero();
    lb.close();
  }

  @Test
  void primaryFails_nothingElseOut_retriedOnAnotherEndpoint() throws Exception {
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(THREE))
        .strategy(Strategy.roundRobin())
        .ticker(clock)
        .timer(clock)
        .sleeper(clock)
        .retryPolicy(RetryPolicy.builder().budget(RetryBudget.unlimited()).build())
        .hedging(policy().delay(Duration.ofMillis(10)).build())
        .build();
    List<String> seen = new CopyOnWriteArrayList<>();
    String answer = lb.execute(e -> {
      seen.add(e.address());
      if (seen.size() == 1) {
        throw new java.io.IOException("refused");
      }
      return "from " + e.address();
    });
    assertThat(seen).hasSize(2).doesNotHaveDuplicates();
    assertThat(answer).isEqualTo("from " + seen.get(1));
    assertThat(sum(lb, "failures")).isEqualTo(1);
    assertThat(sum(lb, "inFlight")).isZero();
    lb.close();
  }

  @Test
  void hedge_primaryAnswersFirst_noHedgeSent() throws Exception {
    LoadBalancer lb = lb(policy().delay(Duration.ofMillis(10))
        .budget(RetryBudget.unlimited()).build(), THREE);
    assertThat(lb.execute(this::call)).startsWith("from ");
    assertThat(called).hasSize(1);
    assertThat(clock.pending()).as("the hedge timer was cancelled").isZero();
    Hedging h = hedging(lb);
    assertThat(h.hedgesWon()).isZero();
    lb.close();
  }

  @Test
  void hedge_upToMaxAttempts_eachOnANewEndpoint() throws Exception {
    LoadBalancer lb = lb(policy().delay(Duration.ofMillis(10)).maxAttempts(3)
        .budget(RetryBudget.unlimited()).build(), THREE);
    for (Endpoint e : lb.endpoints()) {
      holds.put(e.address(), new CountDownLatch(1));
    }
    Future<String> result = executeAsync(lb);
    awaitStarts(1);
    clock.advanceMillis(10);
    awaitStarts(1);
    clock.advanceMillis(10);
    awaitStarts(1);
    holds.get(called.get(2)).countDown();
    assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("from " + called.get(2));
    assertThat(called).hasSize(3).doesNotHaveDuplicates();
    clock.advanceMillis(100);
    assertThat(called).as("no fourth attempt").hasSize(3);
    assertThat(sum(lb, "inFlight")).isZero();
    assertThat(sum(lb, "successes")).isEqualTo(1);
    assertThat(sum(lb, "failures")).isZero();
    lb.close();
  }

  @Test
  void hedge_oneEndpoint_noEndpointLeftToTry_noHedge() throws Exception {
    LoadBalancer lb = lb(policy().delay(Duration.ofMillis(10))
        .budget(RetryBudget.unlimited()).build(), "10.0.0.1:80");
    holds.put("10.0.0.1:80", new CountDownLatch(1));
    Future<String> result = executeAsync(lb);
    awaitStarts(1);
    clock.advanceMillis(50);
    holds.get("10.0.0.1:80").countDown();
    assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("from 10.0.0.1:80");
    assertThat(called).containsExactly("10.0.0.1:80");
    assertThat(sum(lb, "inFlight")).isZero();
    assertThat(sum(lb, "successes")).isEqualTo(1);
    lb.close();
  }

  @Test
  void budget_default5Percent_refusesHedgeUntil20Requests() throws Exception {
    LoadBalancer lb = lb(policy().delay(Duration.ofMillis(10)).build(), THREE);
    // Request 1: no hedge (0 + 1 > 5% of 1).
    assertThat(slowCall(lb)).isEqualTo(1);
    for (int i = 2; i <= 19; i++) {
      lb.execute(this::call); // fast: answered before the delay
    }
    // Request 20: 1 <= 5% of 20, hedged.
    assertThat(slowCall(lb)).isEqualTo(2);
    // Request 21: 2 > 5% of 21, refused.
    assertThat(slowCall(lb)).isEqualTo(1);
    assertThat(sum(lb, "inFlight")).isZero();
    Hedging h = hedging(lb);
    assertThat(h.hedgesAllowed()).isEqualTo(1);
    assertThat(h.hedgesRefused()).isEqualTo(2);
    lb.close();
  }

  @Test
  void budgetRefusal_callAsksAgainAt4Delays_thenEachTimeItsWaitDoubles() throws Exception {
    LoadBalancer lb = lb(policy().delay(Duration.ofMillis(10)).build(), THREE);
    Hedging h = hedging(lb);
    CountDownLatch hold = new CountDownLatch(1);
    holdAll(lb, hold);
    Future<String> result = executeAsync(lb); // request 1: the budget refuses every ask
    awaitStarts(1);
    long[] asks = {10, 40, 80, 160};
    for (int i = 0; i < asks.length; i++) {
      clock.setMillis(asks[i] - 1);
      assertThat(h.hedgesRefused()).as("asks before %d ms", asks[i]).isEqualTo(i);
      clock.setMillis(asks[i]);
      assertThat(clock.awaitPending(1)).as("the next ask after " + asks[i] + " ms").isTrue();
    }
    assertThat(h.hedgesRefused()).isEqualTo(4);
    assertThat(submitted).hasValue(1);
    hold.countDown();
    assertThat(result.get(10, TimeUnit.SECONDS)).startsWith("from 10.0.0.");
    assertThat(called).hasSize(1);
    assertThat(clock.pending()).as("the next ask was cancelled with the call").isZero();
    assertThat(Hedging.nextAskNanos(1, 10)).isEqualTo(40);
    assertThat(Hedging.nextAskNanos(2, 40)).isEqualTo(80);
    assertThat(Hedging.nextAskNanos(3, Long.MAX_VALUE / 2 + 1)).isEqualTo(Long.MAX_VALUE);
    assertThatThrownBy(() -> Hedging.nextAskNanos(0, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ask: 0 (expected: >= 1)");
    assertThatThrownBy(() -> Hedging.nextAskNanos(1, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("waitedNanos: -1 (expected: >= 0)");
    lb.close();
  }

  @Test
  void budget_laterAsksSpendAFifthOfIt_countedApartFromFirstAsks() {
    // 10 per second over 1 s, no ratio: 10 hedges for first asks, 2 more for later asks.
    HedgeState state = new HedgeState(policy().delay(Duration.ofMillis(10))
        .budget(RetryBudget.of(0, 10, Duration.ofSeconds(1))).build(), clock, clock);
    assertThat(state.tryHedge(2)).as("a later ask").isTrue();
    for (int i = 0; i < 10; i++) {
      assertThat(state.tryHedge(1)).as("first ask %d", i + 1).isTrue();
    }
    assertThat(state.tryHedge(1)).as("an 11th first ask").isFalse();
    assertThat(state.tryHedge(3)).as("the second later ask").isTrue();
    assertThat(state.tryHedge(2)).as("a third later ask").isFalse();
    assertThat(state.hedgesAllowed()).isEqualTo(12);
    assertThat(state.hedgesRefused()).isEqualTo(2);
    assertThatThrownBy(() -> state.tryHedge(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ask: 0 (expected: >= 1)");
  }

  /**
   * One call whose every attempt waits until the hedge decision is made: the clock passes the
   * delay, then the attempts are released. Returns how many attempts were sent (handed to the
   * executor by the calling thread before it returns).
   */
  private int slowCall(LoadBalancer lb) throws Exception {
    int before = submitted.get();
    starts.drainPermits();
    CountDownLatch hold = new CountDownLatch(1);
    holdAll(lb, hold);
    Future<String> result = executeAsync(lb);
    awaitStarts(1);
    clock.advanceMillis(10);
    // The hedge decision (queued before any answer, as the attempts are held) is made before the
    // call returns: release the attempts and wait for the answer.
    hold.countDown();
    result.get(10, TimeUnit.SECONDS);
    holds.clear();
    return submitted.get() - before;
  }

  @Test
  void delayPercentile_followsRecentLatencies_fallsBackBeforeEnoughSamples() {
    LoadBalancer lb = lb(policy().delayPercentile(95).delay(Duration.ofMillis(50)).build(), THREE);
    Hedging h = hedging(lb);
    assertThat(h.delayNanos()).as("too few samples: the fixed delay").isEqualTo(50_000_000L);
    for (int i = 0; i < 95; i++) {
      h.recordLatency(Duration.ofMillis(10).toNanos());
    }
    for (int i = 0; i < 5; i++) {
      h.recordLatency(Duration.ofMillis(400).toNanos());
    }
    clock.advanceMillis(HedgeState.REFRESH_MILLIS);
    long p95 = h.delayNanos();
    assertThat(p95).isBetween(10_000_000L, 11_250_000L);
    // 10 more seconds without a sample: the window is empty again.
    clock.advanceMillis(10_000 + HedgeState.REFRESH_MILLIS);
    assertThat(h.delayNanos()).isEqualTo(50_000_000L);
    lb.close();
  }

  @Test
  void delayPercentile_only_noHedgeBeforeEnoughSamples() {
    LoadBalancer lb = lb(policy().delayPercentile(90).build(), THREE);
    assertThat(lb.hedging().delayNanos()).isEqualTo(-1);
    for (int i = 0; i < HedgingPolicy.MIN_SAMPLES; i++) {
      lb.hedging().recordLatency(Duration.ofMillis(i + 1).toNanos());
    }
    clock.advanceMillis(HedgeState.REFRESH_MILLIS);
    assertThat(lb.hedging().delayNanos()).isBetween(90_000_000L, 101_250_000L);
    lb.close();
  }

  @Test
  void latencyWindow_bucketsBoundTheValueWithin12Percent() {
    for (long v : new long[] {0, 1, 7, 8, 9, 15, 16, 100, 1_000, 123_456, 1L << 39}) {
      int b = LatencyWindow.bucket(v);
      long upper = LatencyWindow.upperMicros(b);
      assertThat(upper).as("upper bound of " + v).isGreaterThanOrEqualTo(v);
      assertThat((double) upper).isLessThanOrEqualTo(Math.max(v, 1) * 1.125 + 1);
      if (b > 0) {
        assertThat(LatencyWindow.upperMicros(b - 1)).isLessThan(v);
      }
    }
    assertThat(LatencyWindow.bucket(Long.MAX_VALUE >> 10)).isEqualTo(LatencyWindow.BUCKETS - 1);
  }

  @Test
  void policy_badValues_rejectedWithTheRange() {
    assertThatThrownBy(() -> HedgingPolicy.builder().maxAttempts(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxAttempts: 1 (expected: 2..5)");
    assertThatThrownBy(() -> HedgingPolicy.builder().maxAttempts(6))
        .hasMessage("maxAttempts: 6 (expected: 2..5)");
    assertThatThrownBy(() -> HedgingPolicy.builder().delayPercentile(100))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("delayPercentile: 100 (expected: 50..99)");
    assertThatThrownBy(() -> HedgingPolicy.builder().delay(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("delay: PT-0.001S (expected: PT0S..PT1H)");
    assertThatThrownBy(() -> HedgingPolicy.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("delay: not set (call delay(Duration) or delayPercentile(int) before build())");
    assertThatThrownBy(() -> HedgingPolicy.builder().delay(Duration.ZERO).delay(Duration.ZERO))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("delay was already set to PT0S");
    HedgingPolicy p = HedgingPolicy.builder().delay(Duration.ofMillis(5)).build();
    assertThatThrownBy(() -> LoadBalancer.builder("x").hedging(p).hedging(p))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("hedging was already set to HedgingPolicy{");
  }

  @Test
  void noPolicy_noHedgingState() {
    LoadBalancer lb = LoadBalancer.builder("orders").endpoints(EndpointSource.of(THREE)).build();
    assertThat(lb.hedging()).isNull();
    lb.close();
  }
}
