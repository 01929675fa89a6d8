package dev.lbclient.okhttp;

import static dev.lbclient.okhttp.Fixtures.closeAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbclient.EndpointSource;
import dev.lbclient.Hedging;
import dev.lbclient.HedgingPolicy;
import dev.lbclient.LoadBalancer;
import dev.lbclient.RetryBudget;
import dev.lbclient.Strategy;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hedged requests through the interceptor, on loopback servers. The load balancer's timer is a
 * {@link ManualTimer}: a hedge is due when the test runs its task, so nothing waits on the clock;
 * the first request a backend gets is held until the test releases it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HedgingTest {
  private static final Duration HEDGE_DELAY = Duration.ofMillis(5);
  private static final Duration LONG_DELAY = Duration.ofMinutes(10);

  private final List<AutoCloseable> resources = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch firstArrived = new CountDownLatch(1);
  private final AtomicInteger requests = new AtomicInteger();
  private final ManualTimer timer = new ManualTimer();
  private final ExecutorService callers = Executors.newCachedThreadPool();
  private final List<Backend> backends = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    release.countDown();
    callers.shutdownNow();
    closeAll(resources);
    timer.shutdownNow();
  }

  /**
   * The LB's timer: {@code schedule} keeps the task for the test to run (returning a future that
   * only cancellation touches); {@code execute} runs events on its thread as usual.
   */
  static final class ManualTimer extends ScheduledThreadPoolExecutor {
    /**
     * The hedge timers: tasks scheduled {@link #HEDGE_DELAY} (or, asking again, 3 times it) or
     * {@link #LONG_DELAY} ahead.
     */
    final BlockingQueue<Runnable> due = new LinkedBlockingQueue<>();

    ManualTimer() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
      long nanos = unit.toNanos(delay);
      // The first ask after one delay; a refused call's second ask 3 delays later (at 4 in all).
      boolean hedgeTimer = nanos == HEDGE_DELAY.toNanos() || nanos == 3 * HEDGE_DELAY.toNanos();
      if (!hedgeTimer && nanos != LONG_DELAY.toNanos()) {
        return super.schedule(task, delay, unit); // the load balancer's own timers
      }
      ScheduledFuture<?> handle = super.schedule(() -> { }, 1, TimeUnit.DAYS);
      due.add(() -> {
        if (!handle.isCancelled()) {
          task.run();
        }
      });
      return handle;
    }

    /** Runs the next hedge timer, as if its delay passed. */
    void fireNext() throws InterruptedException {
      Runnable r = due.poll(10, TimeUnit.SECONDS);
      assertThat(r).as("a hedge timer was scheduled").isNotNull();
      r.run();
    }
  }

  /** Two backends; the first request either gets is held until {@link #release}. */
  private LoadBalancer lb(HedgingPolicy policy) throws IOException {
    for (int i = 0; i < 2; i++) {
      Backend b = Backend.start("127.0.0.1");
      b.answer(this::answer);
      resources.add(b);
      backends.add(b);
    }
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(Fixtures.endpoints(backends)))
        .strategy(Strategy.roundRobin())
        .noCircuitBreakers()
        .executor(timer)
        .hedging(policy)
        .build();
    resources.add(lb);
    return lb;
  }

  private MockResponse answer(RecordedRequest r) {
    if (requests.incrementAndGet() == 1) {
      firstArrived.countDown();
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new MockResponse.Builder().body("slow").build();
    }
    return new MockResponse.Builder().body("fast").build();
  }

  private static HedgingPolicy.Builder hedging() {
    return HedgingPolicy.builder().delay(HEDGE_DELAY);
  }

  private OkHttpClient client(LoadBalancer lb) {
    return Fixtures.client(LoadBalancingInterceptor.builder().service("orders", lb).build());
  }

  private static Request get() {
    return new Request.Builder().url("http://orders/item").build();
  }

  private static long sum(LoadBalancer lb, boolean failures) {
    return lb.stats().stream()
        .mapToLong(s -> failures ? s.failures() : s.successes()).sum();
  }

  private int[] hits() {
    return Fixtures.hits(backends);
  }

  @Test
  void get_slowEndpoint_hedgeToTheOther_firstResponseWins_loserCancelled() throws Exception {
    LoadBalancer lb = lb(hedging().budget(RetryBudget.unlimited()).build());
    OkHttpClient client = client(lb);
    Future<String> result = callers.submit(() -> {
      try (Response r = client.newCall(get()).execute()) {
        return r.body().string() + " from " + LoadBalancingInterceptor.endpointOf(r);
      }
    });
    assertThat(firstArrived.await(10, TimeUnit.SECONDS)).isTrue();
    Backend held = backends.get(0).hits.get() == 1 ? backends.get(0) : backends.get(1);
    Backend other = held == backends.get(0) ? backends.get(1) : backends.get(0);
    timer.fireNext();

    assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("fast from " + other.endpoint());
    assertThat(hits()).containsExactly(1, 1);
    assertThat(sum(lb, false)).isEqualTo(1);
    assertThat(sum(lb, true)).as("the loser counts as cancelled").isZero();
    assertThat(Fixtures.inFlight(lb)).isZero();
    Hedging h = lb.hedging();
    assertThat(h).isNotNull();
    assertThat(h.hedgesWon()).isEqualTo(1);
  }

  @Test
  void get_budgetSpent_noHedge() throws Exception {
    LoadBalancer lb = lb(hedging().build()); // 5%, no reserve: the first request may not hedge
    OkHttpClient client = client(lb);
    Future<String> result = callers.submit(() -> Fixtures.get(client, "http://orders/item"));
    assertThat(firstArrived.await(10, TimeUnit.SECONDS)).isTrue();
    timer.fireNext(); // the budget refuses: nothing is sent
    release.countDown();
    assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("200 slow");
    assertThat(requests).hasValue(1);
    assertThat(Fixtures.inFlight(lb)).isZero();
  }

  @Test
  void get_firstAskRefused_askedAgainLater_fromTheSeparateAllowance_hedged() throws Exception {
    // 5 per second over 1 s, no ratio: a budget of 5 hedges for first asks, and 1 (a fifth) for
    // later asks, counted apart. Spend the 5 first, so this call's first ask is refused.
    LoadBalancer lb = lb(hedging().budget(RetryBudget.of(0, 5, Duration.ofSeconds(1))).build());
    Hedging h = lb.hedging();
    assertThat(h).isNotNull();
    for (int i = 0; i < 5; i++) {
      assertThat(h.tryHedge(1)).isTrue();
    }
    OkHttpClient client = client(lb);
    Future<String> result = callers.submit(() -> Fixtures.get(client, "http://orders/item"));
    assertThat(firstArrived.await(10, TimeUnit.SECONDS)).isTrue();
    timer.fireNext(); // first ask: refused
    assertThat(requests).hasValue(1);
    timer.fireNext(); // second ask, at 4 delays: the hedge goes out and answers
    assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("200 fast");
    assertThat(requests).hasValue(2);
    assertThat(h.hedgesRefused()).isEqualTo(1);
    assertThat(h.hedgesAllowed()).isEqualTo(6);
    assertThat(h.hedgesWon()).isEqualTo(1);
    release.countDown();
  }

  @Test
  void post_neverHedged() throws Exception {
    LoadBalancer lb = lb(hedging().budget(RetryBudget.unlimited()).build());
    OkHttpClient client = client(lb);
    Future<Integer> result = callers.submit(() -> {
      try (Response r = client.newCall(new Request.Builder().url("http://orders/create")
          .post(RequestBody.create("x", MediaType.get("text/plain"))).build()).execute()) {
        return r.code();
      }
    });
    assertThat(firstArrived.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(timer.due).as("no hedge timer for a POST").isEmpty();
    release.countDown();
    assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(200);
    assertThat(timer.due).isEmpty();
    assertThat(requests).hasValue(1);
  }

  @Test
  void get_delayBeyondTheCallTimeout_noHedgeScheduled() throws Exception {
    LoadBalancer lb = lb(HedgingPolicy.builder().delay(LONG_DELAY)
        .budget(RetryBudget.unlimited()).build());
    OkHttpClient client = client(lb); // call timeout 20 s
    Future<String> result = callers.submit(() -> Fixtures.get(client, "http://orders/item"));
    assertThat(firstArrived.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(timer.due).as("a hedge after 10 min would pass the 20 s call timeout").isEmpty();
    release.countDown();
    assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("200 slow");
  }

  @Test
  void get_hedgeNeverOutlivesTheCallTimeout() throws Exception {
    LoadBalancer lb = lb(hedging().budget(RetryBudget.unlimited()).build());
    // Both attempts are held: the second backend's first request is held as well.
    CountDownLatch secondArrived = new CountDownLatch(1);
    backends.forEach(b -> b.answer(r -> {
      int n = requests.incrementAndGet();
      (n == 1 ? firstArrived : secondArrived).countDown();
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new MockResponse.Builder().body("late").build();
    }));
    OkHttpClient client = Fixtures.client()
        .callTimeout(Duration.ofSeconds(1))
        .addInterceptor(LoadBalancingInterceptor.builder().service("orders", lb).build())
        .build();
    Call call = client.newCall(get());
    Future<Response> result = callers.submit(call::execute);
    assertThat(firstArrived.await(10, TimeUnit.SECONDS)).isTrue();
    timer.fireNext();
    assertThat(secondArrived.await(10, TimeUnit.SECONDS)).isTrue();

    assertThatThrownBy(() -> result.get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(InterruptedIOException.class);
    assertThat(hits()).containsExactly(1, 1);
    assertThat(Fixtures.inFlight(lb)).as("both attempts ended with the call").isZero();
    assertThat(sum(lb, false)).isZero();
    assertThat(sum(lb, true)).as("both endpoints failed to answer in time").isEqualTo(2);
  }

  @Test
  void callerCancels_everyAttemptCancelled_noFailure() throws Exception {
    LoadBalancer lb = lb(hedging().budget(RetryBudget.unlimited()).build());
    CountDownLatch secondArrived = new CountDownLatch(1);
    backends.forEach(b -> b.answer(r -> {
      int n = requests.incrementAndGet();
      (n == 1 ? firstArrived : secondArrived).countDown();
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new MockResponse.Builder().body("late").build();
    }));
    OkHttpClient client = client(lb);
    Call call = client.newCall(get());
    Future<Response> result = callers.submit(call::execute);
    assertThat(firstArrived.await(10, TimeUnit.SECONDS)).isTrue();
    timer.fireNext();
    assertThat(secondArrived.await(10, TimeUnit.SECONDS)).isTrue();
    call.cancel();

    assertThatThrownBy(() -> result.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
    assertThat(Fixtures.inFlight(lb)).isZero();
    assertThat(sum(lb, true)).as("cancelled, not failed").isZero();
    assertThat(sum(lb, false)).isZero();
  }
}
