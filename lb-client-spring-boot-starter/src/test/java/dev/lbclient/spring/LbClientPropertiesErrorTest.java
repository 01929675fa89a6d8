package dev.lbclient.spring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.junit.jupiter.api.Test;

/** A bad property fails start-up with a message naming the property, the value and the range. */
@Timeout(30)
class LbClientPropertiesErrorTest {
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LbClientAutoConfiguration.class));

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "strategy=fastest|lbclient.services.orders.strategy: fastest (expected one of: roundRobin, weightedRoundRobin, leastConnections, leastTime, powerOfTwoChoices, powerOfTwoChoices.inFlight, consistentHash, ipHash, random, weightedByLoadReports, consistentHash.boundedLoad(<factor > 1>))",
      "endpoints=127.0.0.1:8081,nohost:99999|lbclient.services.orders.endpoints[1]: 'nohost:99999', port: 99999 (expected: 1..65535)",
      "endpoints=orders|lbclient.services.orders.endpoints[0]: 'orders' (expected: host:port or [ipv6]:port, e.g. 10.0.0.1:8080)",
      "retry.max-attempts=0|lbclient.services.orders.retry.max-attempts: 0 (expected: 1..10)",
      "panic-threshold=101|lbclient.services.orders.panic-threshold: 101 (expected: 0..100)",
      "retry.budget-ratio=2|lbclient.services.orders.retry.budget-ratio: 2.0 (expected: 0..1)",
      "circuit-breaker.failure-rate-threshold=0|lbclient.services.orders.circuit-breaker.failure-rate-threshold: 0 (expected: 1..100)",
      "circuit-breaker.minimum-number-of-calls=30|lbclient.services.orders.circuit-breaker.minimum-number-of-calls: 30 (expected: 1..20, at most sliding-window-size)",
      "outlier-detection.max-ejection-percent=150|lbclient.services.orders.outlier-detection.max-ejection-percent: 150 (expected: 0..100)",
      "slow-start=10ms|lbclient.services.orders.slow-start: PT0.01S (expected: PT1S..PT1H)",
      "zone=eu 1|lbclient.services.orders.zone: eu 1 (expected: non-empty, printable ASCII, no ';' or spaces)",
  })
  void badValue_failsNamingPropertyValueAndExpected(String setting, String expected) {
    String base = setting.startsWith("endpoints=") ? ""
        : "lbclient.services.orders.endpoints=127.0.0.1:8081";
    runner.withPropertyValues(base, "lbclient.services.orders." + setting).run(context -> {
      assertThat(context).hasFailed();
      String message = LbClientAutoConfigurationTest.failure(context.getStartupFailure());
      assertThat(message).isEqualTo(expected);
    });
  }

  @Test
  void noEndpointsNorDns_fails() {
    runner.withPropertyValues("lbclient.services.orders.strategy=roundRobin").run(context ->
        assertThat(LbClientAutoConfigurationTest.failure(context.getStartupFailure()))
            .isEqualTo("lbclient.services.orders.endpoints: [], lbclient.services.orders.dns.srv:"
                + " null, lbclient.services.orders.dns.a: null (expected: exactly one of"
                + " endpoints, dns.srv and dns.a)"));
  }

  @Test
  void dnsAWithoutPort_fails() {
    runner.withPropertyValues("lbclient.services.orders.dns.a=orders.internal").run(context ->
        assertThat(LbClientAutoConfigurationTest.failure(context.getStartupFailure()))
            .isEqualTo("lbclient.services.orders.dns.port: null (expected: 1..65535 with dns.a)"));
  }

  @Test
  void notANumber_failsNamingTheProperty() {
    runner.withPropertyValues("lbclient.services.orders.endpoints=127.0.0.1:8081",
        "lbclient.services.orders.panic-threshold=half").run(context -> {
          assertThat(context).hasFailed();
          Throwable bind = context.getStartupFailure();
          while (!(bind instanceof BindException)) {
            bind = bind.getCause();
          }
          assertThat(bind).hasMessage("Failed to bind properties under"
              + " 'lbclient.services.orders.panic-threshold' to java.lang.Integer");
          assertThat(bind.getCause()).hasMessageContaining("for value [half]");
        });
  }

  @Test
  void failureAnalyzer_describesTheBadProperty() {
    var analysis = new LbClientConfigFailureAnalyzer().analyze(new IllegalStateException("wrap",
        new LbClientConfigException("lbclient.services.orders.retry.max-attempts: 0 (expected: 1..10)")));
    assertThat(analysis.getDescription()).isEqualTo("Invalid lb-client configuration:"
        + " lbclient.services.orders.retry.max-attempts: 0 (expected: 1..10)");
  }

  @Test
  void metadata_generatedForIdes() throws Exception {
    try (var in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      String json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(json).contains("\"lbclient.services\"", "\"lbclient.rest-client.enabled\"",
          "LbClientProperties$Service");
    }
  }
}
