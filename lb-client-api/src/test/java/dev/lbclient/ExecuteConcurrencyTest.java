package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Eight threads calling execute() against endpoints that fail at random. */
class ExecuteConcurrencyTest {
  private static final int THREADS = 8;
  private static final int CALLS_PER_THREAD = 20_000;

  @Test
  void execute_randomFailures_leaveNothingInFlightAndNoBreakerStuck() throws Exception {
    VirtualClock clock = new VirtualClock();
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80"))
        .ticker(clock)
        .sleeper(clock)
        .build();
    AtomicLong results = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        SplittableRandom random = new SplittableRandom(t);
        futures.add(pool.submit(() -> {
          for (int i = 0; i < CALLS_PER_THREAD; i++) {
            clock.advanceMillis(1);
            try {
              lb.execute(e -> {
                if (random.nextInt(100) < (e.port() == 80 && e.host().endsWith(".1") ? 60 : 20)) {
                  throw new IOException("random failure on " + e);
                }
                return e;
              });
              results.incrementAndGet();
            } catch (IOException | NoEndpointAvailableException e) {
              errors.incrementAndGet();
            }
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(results.get() + errors.get()).isEqualTo((long) THREADS * CALLS_PER_THREAD);
    assertThat(lb.stats()).allSatisfy(s -> assertThat(s.inFlight()).isZero());

    // Once the failures stop, every endpoint comes back: ejections end, breakers close.
    clock.advance(Duration.ofMinutes(6));
    for (int i = 0; i < 2_000 && !allClosed(lb); i++) {
      clock.advanceMillis(50);
      lb.execute(e -> e);
    }
    assertThat(lb.status()).allSatisfy(s -> {
      assertThat(s.isEjected()).isFalse();
      assertThat(s.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(s.inFlight()).isZero();
    });
  }

  private static boolean allClosed(LoadBalancer lb) {
    return lb.status().stream().allMatch(s -> !s.isEjected()
        && s.breakerState() == CircuitBreaker.State.CLOSED);
  }
}
