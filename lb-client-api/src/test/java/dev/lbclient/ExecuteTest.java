package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** execute(): outcomes, retries on other endpoints, suppressed errors, the budget and backoff. */
class ExecuteTest {
  private final VirtualClock clock = new VirtualClock();
  private final List<String> retries = new ArrayList<>();

  private LoadBalancer.Builder builder(String... endpoints) {
    return LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(endpoints))
        .strategy(Strategy.roundRobin())
        .ticker(clock)
        .timer(clock)
        .sleeper(clock)
        .listener(new LoadBalancerListener() {
          @Override
          public void onRetry(String service, Endpoint endpoint, int retry, Throwable cause) {
            retries.add(retry + " after " + endpoint.address() + ": " + cause.getMessage());
          }
        });
  }

  private LoadBalancer three() {
    return builder("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80").build();
  }

  private static long total(LoadBalancer lb, boolean successes) {
    return lb.stats().stream()
        .mapToLong(s -> successes ? s.successes() : s.failures()).sum();
  }

  @Test
  void execute_success_returnsResultOnce() {
    LoadBalancer lb = three();
    AtomicInteger calls = new AtomicInteger();
    String result = lb.execute(e -> {
      calls.incrementAndGet();
      return "hello from " + e.port();
    });
    assertThat(result).isEqualTo("hello from 80");
    assertThat(calls).hasValue(1);
    assertThat(total(lb, true)).isEqualTo(1);
  }

  @Test
  void execute_ioException_retriedOnAnotherEndpoint() throws IOException {
    LoadBalancer lb = three();
    List<String> seen = new ArrayList<>();
    String result = lb.execute(e -> {
      seen.add(e.address());
      if (seen.size() == 1) {
        throw new ConnectException("refused by " + e.address());
      }
      return "ok";
    });
    assertThat(result).isEqualTo("ok");
    assertThat(seen).hasSize(2).doesNotHaveDuplicates();
    assertThat(retries).containsExactly("1 after " + seen.get(0) + ": refused by " + seen.get(0));
    assertThat(total(lb, false)).isEqualTo(1);
    assertThat(total(lb, true)).isEqualTo(1);
  }

  @Test
  void execute_allAttemptsFail_lastErrorWithEarlierSuppressed_eachOnADistinctEndpoint() {
    LoadBalancer lb = three();
    List<String> seen = new ArrayList<>();
    Throwable thrown = catchThrowable(() -> lb.execute(e -> {
      seen.add(e.address());
      throw new IOException("attempt " + seen.size());
    }));
    assertThat(thrown).isInstanceOf(IOException.class).hasMessage("attempt 3");
    assertThat(thrown.getSuppressed()).extracting(Throwable::getMessage)
        .containsExactly("attempt 1", "attempt 2");
    assertThat(seen).hasSize(3).doesNotHaveDuplicates();
  }

  @Test
  void execute_moreAttemptsThanEndpoints_reusesTriedOnes() {
    LoadBalancer lb = builder("10.0.0.1:80", "10.0.0.2:80")
        .retryPolicy(RetryPolicy.builder().maxAttempts(4).build())
        .outlierDetection(OutlierDetection.disabled())
        .build();
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> lb.execute(e -> {
      calls.incrementAndGet();
      throw new IOException("down");
    })).isInstanceOf(IOException.class);
    assertThat(calls).hasValue(4);
  }

  @Test
  void execute_nonRetryable_thrownAtOnce_countedAsFailure() {
    LoadBalancer lb = three();
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> lb.execute(e -> {
      calls.incrementAndGet();
      throw new IllegalStateException("bad state");
    })).isInstanceOf(IllegalStateException.class).hasMessage("bad state").hasNoSuppressedExceptions();
    assertThat(calls).hasValue(1);
    assertThat(total(lb, false)).isEqualTo(1);
  }

  @Test
  void execute_notAFailure_countsAsSuccessAndIsThrown() {
    LoadBalancer lb = builder("10.0.0.1:80")
        .retryPolicy(RetryPolicy.builder().classifier(e -> e instanceof IllegalArgumentException
            ? ExceptionClassifier.Verdict.NOT_A_FAILURE : ExceptionClassifier.Verdict.FAILURE)
            .build())
        .build();
    assertThatThrownBy(() -> lb.execute(e -> {
      throw new IllegalArgumentException("no such order");
    })).isInstanceOf(IllegalArgumentException.class);
    assertThat(total(lb, true)).isEqualTo(1);
    assertThat(total(lb, false)).isZero();
  }

  @Test
  void execute_backoff_waitsWithinTheJitterCaps() throws IOException {
    LoadBalancer lb = builder("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80")
        .retryPolicy(RetryPolicy.builder().backoff(Duration.ofMillis(100), Duration.ofMillis(150))
            .build())
        .build();
    List<Long> startedAt = new ArrayList<>();
    assertThatThrownBy(() -> lb.execute(e -> {
      startedAt.add(clock.read());
      throw new IOException("down");
    })).isInstanceOf(IOException.class);
    assertThat(startedAt.get(1) - startedAt.get(0)).isBetween(0L, 100_000_000L);
    assertThat(startedAt.get(2) - startedAt.get(1)).isBetween(0L, 150_000_000L);
  }

  @Test
  void execute_interruptedDuringBackoff_stopsAndKeepsTheFlag() {
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:80", "10.0.0.2:80"))
        .retryPolicy(RetryPolicy.builder().backoff(Duration.ofSeconds(1), Duration.ofSeconds(1))
            .build())
        .sleeper(nanos -> {
          throw new InterruptedException("stop");
        })
        .build();
    AtomicInteger calls = new AtomicInteger();
    Throwable thrown = catchThrowable(() -> lb.execute(e -> {
      calls.incrementAndGet();
      throw new IOException("down");
    }));
    try {
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    assertThat(thrown).isInstanceOf(IOException.class);
    assertThat(thrown.getSuppressed()).hasAtLeastOneElementOfType(InterruptedException.class);
    assertThat(calls).hasValue(1);
  }

  @Test
  void execute_noEndpointOnRetry_throwsTheCallErrorWithTheReason() {
    LoadBalancer lb = builder("10.0.0.1:80")
        .outlierDetection(OutlierDetection.builder().consecutiveFailures(1).build())
        .panicThreshold(0)
        .build();
    Throwable thrown = catchThrowable(() -> lb.execute(e -> {
      throw new IOException("down");
    }));
    assertThat(thrown).isInstanceOf(IOException.class).hasMessage("down");
    assertThat(thrown.getSuppressed()).hasOnlyElementsOfType(NoEndpointAvailableException.class);
  }

  /**
   * A total outage: every call fails for 100 virtual seconds at 100 requests a second. The budget
   * allows 20% of requests plus 10 retries a second, so attempts stay below 1.2 x requests + 10 x
   * seconds; without the budget three attempts per request would be made.
   */
  @Test
  void budget_totalOutage_attemptsBounded() {
    LoadBalancer lb = builder("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80")
        .outlierDetection(OutlierDetection.disabled())
        .noCircuitBreakers()
        .retryPolicy(RetryPolicy.builder().backoff(Duration.ZERO, Duration.ZERO).build())
        .build();
    int requests = 10_000;
    AtomicInteger attempts = new AtomicInteger();
    int refusedNoted = 0;
    for (int i = 0; i < requests; i++) { // at 0.00 s, 0.01 s, ..., 99.99 s
      Throwable thrown = catchThrowable(() -> lb.execute(e -> {
        attempts.incrementAndGet();
        throw new IOException("outage");
      }));
      for (Throwable s : thrown.getSuppressed()) {
        if (s instanceof RetryRefusedException) {
          refusedNoted++;
          assertThat(s).hasMessage("retry refused for orders: the retry budget is exhausted "
              + "(RetryBudget{20% of requests + 10/s over PT10S})");
        }
      }
      clock.advanceMillis(10);
    }
    int seconds = 100;
    assertThat(attempts.get()).isLessThanOrEqualTo((int) (1.2 * requests) + 10 * seconds);
    assertThat(attempts.get()).as("retries did happen").isGreaterThan(requests + requests / 10);
    assertThat(refusedNoted).isGreaterThan(0);
  }

  @Test
  void budget_unlimited_allowsEveryRetry() {
    LoadBalancer lb = builder("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80")
        .outlierDetection(OutlierDetection.disabled())
        .noCircuitBreakers()
        .retryPolicy(RetryPolicy.builder().backoff(Duration.ZERO, Duration.ZERO)
            .budget(RetryBudget.unlimited()).build())
        .build();
    AtomicInteger attempts = new AtomicInteger();
    for (int i = 0; i < 1000; i++) {
      catchThrowable(() -> lb.execute(e -> {
        attempts.incrementAndGet();
        throw new IOException("outage");
      }));
    }
    assertThat(attempts).hasValue(3000);
  }

  @Test
  void retryPolicy_badValues_named() {
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxAttempts: 0 (expected: 1..10)");
    assertThatThrownBy(() -> RetryPolicy.builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max backoff: PT1S (expected: >= initial backoff PT2S)");
    assertThatThrownBy(() -> RetryBudget.of(0.2, 10, Duration.ofMinutes(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ttl: PT2M (expected: PT1S..PT1M)");
    assertThatThrownBy(() -> RetryBudget.of(-1, 10, Duration.ofSeconds(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ratio: -1.0 (expected: 0..1000, e.g. 0.2)");
    assertThatThrownBy(() -> RetryPolicy.defaults().backoffNanos(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("retry: 0 (expected: >= 1)");
  }

  @Test
  void retryPolicy_backoffCapDoublesUpToMax() {
    RetryPolicy p = RetryPolicy.builder().backoff(Duration.ofMillis(10), Duration.ofMillis(35)).build();
    for (int i = 0; i < 200; i++) {
      assertThat(p.backoffNanos(1)).isBetween(0L, 10_000_000L);
      assertThat(p.backoffNanos(2)).isBetween(0L, 20_000_000L);
      assertThat(p.backoffNanos(3)).isBetween(0L, 35_000_000L);
      assertThat(p.backoffNanos(9)).isBetween(0L, 35_000_000L);
    }
  }
}
