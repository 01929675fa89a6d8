package dev.lbclient.okhttp;

import static dev.lbclient.okhttp.Fixtures.closeAll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.EndpointSource;
import dev.lbclient.EndpointStatus;
import dev.lbclient.LoadBalancer;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.SocketEffect;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One of three backends goes away under concurrent load (figure 1, bounded in count). */
class FailoverTest {
  private static final int CALLERS = 8;
  private static final int CALLS_PER_CALLER = 50;
  private static final int KILL_AFTER = 100;

  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    closeAll(resources);
  }

  @Test
  void backendDiesMidRun_eightCallers_noFailedGet() throws Exception {
    List<Backend> backends = Backend.samePort(null, "127.0.0.1", "127.0.0.2", "127.0.0.3");
    resources.addAll(backends);
    Backend victim = backends.get(2);
    LoadBalancer lb = LoadBalancer.builder("orders")   // defaults: P2C, outlier detection, breakers
        .endpoints(EndpointSource.of(Fixtures.endpoints(backends)))
        .build();
    resources.add(lb);
    OkHttpClient client =
        Fixtures.client(Fixtures.interceptor("orders", lb, new Fixtures.RecordingSleeper()));
    String url = "http://orders:" + victim.port() + "/";

    AtomicInteger completed = new AtomicInteger();
    AtomicBoolean killed = new AtomicBoolean();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
    try {
      List<Future<?>> callers = new ArrayList<>();
      for (int c = 0; c < CALLERS; c++) {
        callers.add(pool.submit(() -> {
          for (int i = 0; i < CALLS_PER_CALLER; i++) {
            try {
              String answer = Fixtures.get(client, url);
              if (!answer.equals("200 ok")) {
                failures.add(new AssertionError(answer));
              }
            } catch (Exception e) {
              failures.add(e);
            }
            if (completed.incrementAndGet() >= KILL_AFTER && killed.compareAndSet(false, true)) {
              // From now on the victim resets every connection before answering, as a dead host
              // behind a live port does. (Closing the server outright would also cut responses
              // whose body is still being written, which no client can retry once it returned.)
              victim.answer(r -> new MockResponse.Builder()
                  .onResponseStart(new SocketEffect.CloseSocket()).build());
            }
          }
        }));
      }
      for (Future<?> f : callers) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(failures).isEmpty();
    assertThat(completed.get()).isEqualTo(CALLERS * CALLS_PER_CALLER);
    assertThat(killed.get()).isTrue();
    EndpointStatus victimStatus = lb.status().get(2);
    assertThat(victimStatus.isEjected()
        || victimStatus.breakerState() == CircuitBreaker.State.OPEN).isTrue();
    // Consecutive-failure ejection after 5; the callers in flight at that moment may add theirs.
    assertThat(Fixtures.stats(lb, victim).failures()).isLessThanOrEqualTo(5 + CALLERS);
    assertThat(Fixtures.inFlight(lb)).isZero();
  }
}
