package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

/** Every builder refuses a setting given twice, naming the earlier value; none overwrites. */
class BuilderOnceTest {

  @Test
  void outlierDetection_settingGivenTwice() {
    assertThatThrownBy(() -> OutlierDetection.builder().consecutiveFailures(3)
        .consecutiveFailures(4))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("consecutiveFailures was already set to 3");
    assertThatThrownBy(() -> OutlierDetection.builder().failureRate(80, 20).failureRate(90, 20))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("failureRate was already set to 80% of 20");
    assertThatThrownBy(() -> OutlierDetection.builder().baseEjectionTime(Duration.ofSeconds(5))
        .baseEjectionTime(Duration.ofSeconds(6)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("baseEjectionTime was already set to PT5S");
    assertThatThrownBy(() -> OutlierDetection.builder().maxEjectionPercent(20)
        .maxEjectionPercent(30))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxEjectionPercent was already set to 20");
  }

  @Test
  void outlierDetection_badValueSecondTime_namesTheValueFirst() {
    assertThatThrownBy(() -> OutlierDetection.builder().interval(Duration.ofSeconds(1))
        .interval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("interval: PT0S (expected: positive)");
  }

  @Test
  void healthCheck_settingGivenTwice() {
    HealthChecker ok = e -> CompletableFuture.completedFuture(true);
    assertThatThrownBy(() -> HealthCheck.builder(ok).interval(Duration.ofSeconds(2))
        .interval(Duration.ofSeconds(3)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("interval was already set to PT2S");
    assertThatThrownBy(() -> HealthCheck.builder(ok).unhealthyThreshold(2).unhealthyThreshold(4))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("unhealthyThreshold was already set to 2");
  }

  @Test
  void retryPolicy_settingGivenTwice() {
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(2).maxAttempts(5))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maxAttempts was already set to 2");
    assertThatThrownBy(() -> RetryPolicy.builder()
        .backoff(Duration.ofMillis(10), Duration.ofMillis(100))
        .backoff(Duration.ZERO, Duration.ZERO))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("backoff was already set to PT0.01S..PT0.1S");
    assertThatThrownBy(() -> RetryPolicy.builder().budget(RetryBudget.unlimited())
        .budget(RetryBudget.defaults()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("budget was already set to ");
  }

  @Test
  void loadBalancer_failOnPanicAndExecutorGivenTwice() {
    assertThatThrownBy(() -> LoadBalancer.builder("orders").failOnPanic().failOnPanic())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("failOnPanic was already set to true");
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    try {
      assertThatThrownBy(() -> LoadBalancer.builder("orders").executor(executor)
          .executor(executor))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("executor was already set to ");
    } finally {
      executor.shutdownNow();
    }
  }
}
