package dev.lbclient.okhttp;

import static dev.lbclient.okhttp.Fixtures.closeAll;
import static dev.lbclient.okhttp.Fixtures.inFlight;
import static dev.lbclient.okhttp.Fixtures.stats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbclient.EndpointSource;
import dev.lbclient.EndpointStats;
import dev.lbclient.EndpointStatus;
import dev.lbclient.LoadBalancer;
import dev.lbclient.RetryPolicy;
import dev.lbclient.Strategy;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OutcomeTest {
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @AfterEach
  void tearDown() throws Exception {
    closeAll(resources);
  }

  private List<Backend> backends(int n) throws IOException {
    List<Backend> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Backend b = Backend.start("127.0.0." + (i + 1));
      resources.add(b);
      list.add(b);
    }
    return list;
  }

  /** Round robin, no retries, no breakers, on the fake ticker. */
  private LoadBalancer lb(List<Backend> backends) {
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(Fixtures.endpoints(backends)))
        .strategy(Strategy.roundRobin())
        .retryPolicy(RetryPolicy.none())
        .noCircuitBreakers()
        .ticker(now::get)
        .build();
    resources.add(lb);
    return lb;
  }

  private static OkHttpClient client(LoadBalancer lb) {
    return Fixtures.client(Fixtures.interceptor("orders", lb, new Fixtures.RecordingSleeper()));
  }

  private static Call get(OkHttpClient client) {
    return client.newCall(new Request.Builder().url("http://orders/").build());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "200, success", "204, success", "302, success", "400, success", "404, success",
      "408, success", "500, failure", "501, success", "502, failure", "503, failure",
      "504, failure", "505, success", "507, failure", "599, failure"})
  void status_classifiedForTheEndpoint(int code, String outcome) throws Exception {
    List<Backend> backends = backends(1);
    backends.get(0).answer(r -> new MockResponse.Builder().code(code).build());
    LoadBalancer lb = lb(backends);
    OkHttpClient client = Fixtures.client()
        .followRedirects(false)
        .retryOnConnectionFailure(false)
        .addInterceptor(Fixtures.interceptor("orders", lb, new Fixtures.RecordingSleeper()))
        .build();

    try (Response r = get(client).execute()) {
      assertThat(r.code()).isEqualTo(code);
      r.body().string();
    }

    EndpointStats s = lb.stats().get(0);
    assertThat(s.successes()).isEqualTo(outcome.equals("success") ? 1 : 0);
    assertThat(s.failures()).isEqualTo(outcome.equals("failure") ? 1 : 0);
    assertThat(s.inFlight()).isZero();
  }

  @Test
  void retryAfter503_penalizesForThatLong_onTheTicker() throws Exception {
    List<Backend> backends = backends(3);
    Backend a = backends.get(0);
    AtomicInteger answered = new AtomicInteger();
    a.answer(r -> answered.getAndIncrement() == 0
        ? new MockResponse.Builder().code(503).setHeader("Retry-After", "2").build()
        : Backend.ok(r));
    LoadBalancer lb = lb(backends);
    OkHttpClient client = client(lb);

    int unavailable = 0;
    for (int i = 0; i < 30; i++) {
      try (Response r = get(client).execute()) {
        unavailable += r.code() == 503 ? 1 : 0;
      }
    }
    assertThat(unavailable).isEqualTo(1);
    assertThat(a.hits.get()).isEqualTo(1);
    assertThat(stats(lb, a).failures()).isZero();
    EndpointStatus status = lb.status().get(0);
    assertThat(status.isEjected()).isTrue();
    assertThat(status.ejectedForNanos()).isEqualTo(Duration.ofSeconds(2).toNanos());

    now.addAndGet(Duration.ofMillis(1_999).toNanos());
    for (int i = 0; i < 30; i++) {
      Fixtures.get(client, "http://orders/");
    }
    assertThat(a.hits.get()).isEqualTo(1);

    now.addAndGet(Duration.ofMillis(1).toNanos());
    for (int i = 0; i < 30; i++) {
      assertThat(Fixtures.get(client, "http://orders/")).isEqualTo("200 ok");
    }
    assertThat(a.hits.get()).isEqualTo(11);
    assertThat(backends.get(1).hits.get() + backends.get(2).hits.get()).isEqualTo(79);
  }

  @Test
  void tooManyRequests_withoutRetryAfter_penalizedOneSecond_notAFailure() throws Exception {
    List<Backend> backends = backends(3);
    Backend a = backends.get(0);
    a.answer(r -> Backend.status(429));
    LoadBalancer lb = lb(backends);
    OkHttpClient client = client(lb);

    for (int i = 0; i < 3; i++) {
      Fixtures.get(client, "http://orders/");
    }

    assertThat(a.hits.get()).isEqualTo(1);
    assertThat(lb.status().get(0).ejectedForNanos()).isEqualTo(Duration.ofSeconds(1).toNanos());
    assertThat(stats(lb, a).failures()).isZero();
    assertThat(stats(lb, a).successes()).isZero();
    assertThat(inFlight(lb)).isZero();
  }

  @Test
  void tooManyRequests_longRetryAfter_cappedAtFiveMinutes() throws Exception {
    List<Backend> backends = backends(3);
    for (Backend b : backends) {
      b.answer(r -> new MockResponse.Builder().code(429).setHeader("Retry-After", "86400")
          .build());
    }
    LoadBalancer lb = lb(backends);
    OkHttpClient client = client(lb);

    Fixtures.get(client, "http://orders/");

    assertThat(lb.status()).filteredOn(EndpointStatus::isEjected).singleElement()
        .satisfies(s -> assertThat(s.ejectedForNanos())
            .isEqualTo(Duration.ofMinutes(5).toNanos()));
  }

  @Test
  void latency_isTimeToHeaders_notToBodyClose() throws Exception {
    List<Backend> backends = backends(1);
    LoadBalancer lb = lb(backends);
    OkHttpClient client = client(lb);

    Response response = get(client).execute();
    now.addAndGet(Duration.ofSeconds(5).toNanos());
    response.close();

    EndpointStats s = lb.stats().get(0);
    assertThat(s.successes()).isEqualTo(1);
    // The fake clock did not move before the headers: the shortest sample the core keeps, 1 ns,
    // and not the 5 s the body stayed open.
    assertThat(s.latencyEstimateNanos()).isEqualTo(1.0);
  }

  @Test
  void streamedBody_holdsInFlightUntilClosed() throws Exception {
    List<Backend> backends = backends(1);
    backends.get(0).answer(r -> new MockResponse.Builder().body("x".repeat(100_000)).build());
    LoadBalancer lb = lb(backends);
    OkHttpClient client = client(lb);

    Response response = get(client).execute();
    assertThat(inFlight(lb)).isEqualTo(1);
    assertThat(response.body().source().readUtf8(10)).isEqualTo("xxxxxxxxxx");
    assertThat(inFlight(lb)).isEqualTo(1);
    response.close();

    assertThat(inFlight(lb)).isZero();
    assertThat(lb.stats().get(0).successes()).isEqualTo(1);
    response.close();
    assertThat(lb.stats().get(0).successes()).isEqualTo(1);
  }

  @Test
  void streamedBody_readToTheEnd_releasesWithoutClose() throws Exception {
    List<Backend> backends = backends(1);
    backends.get(0).answer(r -> new MockResponse.Builder().body("x".repeat(100_000)).build());
    LoadBalancer lb = lb(backends);
    OkHttpClient client = client(lb);

    Response response = get(client).execute();
    assertThat(response.body().source().readUtf8()).hasSize(100_000);

    assertThat(inFlight(lb)).isZero();
    assertThat(lb.stats().get(0).successes()).isEqualTo(1);
    response.close();
  }

  @Test
  void serverError_bodyClosed_countsOneFailure() throws Exception {
    List<Backend> backends = backends(1);
    backends.get(0).answer(r -> Backend.status(500));
    LoadBalancer lb = lb(backends);
    OkHttpClient client = client(lb);

    Response response = get(client).execute();
    assertThat(response.code()).isEqualTo(500);
    assertThat(inFlight(lb)).isEqualTo(1);
    response.close();

    assertThat(inFlight(lb)).isZero();
    assertThat(lb.stats().get(0).failures()).isEqualTo(1);
  }

  @Test
  void headAndNoContent_releasedAtHeaders() throws Exception {
    List<Backend> backends = backends(1);
    // HEAD: a Content-Length as for the GET, but (as HTTP requires) no body bytes.
    backends.get(0).answer(r -> r.getMethod().equals("HEAD")
        ? new MockResponse.Builder().setHeader("Content-Length", 100).build()
        : new MockResponse.Builder().code(204).build());
    LoadBalancer lb = lb(backends);
    OkHttpClient client = client(lb);

    Response head = client.newCall(new Request.Builder().url("http://orders/").head().build())
        .execute();
    assertThat(inFlight(lb)).isZero();
    Response noContent = client.newCall(new Request.Builder().url("http://orders/")
        .delete().build()).execute();
    assertThat(inFlight(lb)).isZero();
    head.close();
    noContent.close();

    assertThat(lb.stats().get(0).successes()).isEqualTo(2);
  }

  @Test
  void bodyReadError_countsAsFailure() throws Exception {
    List<Backend> backends = backends(1);
    backends.get(0).answer(r -> new MockResponse.Builder().body("y".repeat(100_000))
        .onResponseBody(new SocketEffect.CloseSocket()).build());
    LoadBalancer lb = lb(backends);
    OkHttpClient client = client(lb);

    try (Response response = get(client).execute()) {
      assertThatThrownBy(() -> response.body().string()).isInstanceOf(IOException.class);
    }

    assertThat(inFlight(lb)).isZero();
    assertThat(lb.stats().get(0).failures()).isEqualTo(1);
    assertThat(lb.stats().get(0).successes()).isZero();
  }

  @Test
  void cancel_whileWaitingForHeaders_releasesWithoutFailure() throws Exception {
    List<Backend> backends = backends(1);
    CountDownLatch arrived = new CountDownLatch(1);
    backends.get(0).answer(r -> {
      arrived.countDown();
      return new MockResponse.Builder().headersDelay(30, TimeUnit.SECONDS).build();
    });
    LoadBalancer lb = lb(backends);
    OkHttpClient client = client(lb);
    Call call = get(client);
    CountDownLatch failed = new CountDownLatch(1);
    AtomicReference<IOException> error = new AtomicReference<>();

    call.enqueue(new Callback() {
      @Override
      public void onFailure(Call c, IOException e) {
        error.set(e);
        failed.countDown();
      }

      @Override
      public void onResponse(Call c, Response response) {
        response.close();
      }
    });
    assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(inFlight(lb)).isEqualTo(1);
    call.cancel();
    assertThat(failed.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(error.get()).isNotNull();
    assertThat(inFlight(lb)).isZero();
    assertThat(lb.stats().get(0).failures()).isZero();
    assertThat(lb.stats().get(0).successes()).isZero();
  }

  @Test
  void cancel_whileStreamingBody_releasesWithoutFailure() throws Exception {
    List<Backend> backends = backends(1);
    backends.get(0).answer(r -> new MockResponse.Builder().body("z".repeat(100_000))
        .throttleBody(1024, 1, TimeUnit.SECONDS).build());
    LoadBalancer lb = lb(backends);
    OkHttpClient client = client(lb);
    Call call = get(client);

    Response response = call.execute();
    assertThat(inFlight(lb)).isEqualTo(1);
    call.cancel();
    assertThatThrownBy(() -> response.body().string()).isInstanceOf(IOException.class);

    assertThat(inFlight(lb)).isZero();
    assertThat(lb.stats().get(0).failures()).isZero();
    response.close();
  }

  @Test
  void readTimeout_failureOfTheEndpoint_getRetriedElsewhere() throws Exception {
    List<Backend> backends = backends(2);
    Backend slow = backends.get(0);
    slow.answer(r -> new MockResponse.Builder().headersDelay(30, TimeUnit.SECONDS).build());
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(Fixtures.endpoints(backends)))
        .strategy(Strategy.roundRobin())
        .noCircuitBreakers()
        .build();
    resources.add(lb);
    OkHttpClient client = Fixtures.client()
        .readTimeout(Duration.ofMillis(300))
        .addInterceptor(Fixtures.interceptor("orders", lb, new Fixtures.RecordingSleeper()))
        .build();

    for (int i = 0; i < 2; i++) {
      assertThat(Fixtures.get(client, "http://orders/")).isEqualTo("200 ok");
    }

    assertThat(stats(lb, slow).failures()).isEqualTo(slow.hits.get()).isPositive();
    assertThat(stats(lb, backends.get(1)).successes()).isEqualTo(2);
    assertThat(inFlight(lb)).isZero();
  }

  @Test
  void callTimeout_countsAsFailureNotCancellation() throws Exception {
    List<Backend> backends = backends(1);
    backends.get(0).answer(r ->
        new MockResponse.Builder().headersDelay(30, TimeUnit.SECONDS).build());
    LoadBalancer lb = lb(backends);
    OkHttpClient client = Fixtures.client()
        .callTimeout(Duration.ofMillis(500))
        .addInterceptor(Fixtures.interceptor("orders", lb, new Fixtures.RecordingSleeper()))
        .build();

    assertThatThrownBy(() -> Fixtures.get(client, "http://orders/"))
        .isInstanceOf(IOException.class);

    assertThat(lb.stats().get(0).failures()).isEqualTo(1);
    assertThat(inFlight(lb)).isZero();
  }

  @Test
  void post_oneEndpointEachAttempt_inFlightBalanced() throws Exception {
    List<Backend> backends = backends(2);
    LoadBalancer lb = lb(backends);
    OkHttpClient client = client(lb);

    for (int i = 0; i < 4; i++) {
      try (Response r = client.newCall(new Request.Builder().url("http://orders/")
          .post(RequestBody.create("b", MediaType.get("text/plain"))).build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
    }

    assertThat(inFlight(lb)).isZero();
    assertThat(lb.stats()).allSatisfy(s -> assertThat(s.successes()).isEqualTo(2));
  }
}
