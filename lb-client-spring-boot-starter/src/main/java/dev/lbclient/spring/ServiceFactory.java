package dev.lbclient.spring;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.HealthCheck;
import dev.lbclient.HealthChecker;
import dev.lbclient.LoadBalancer;
import dev.lbclient.OutlierDetection;
import dev.lbclient.RetryBudget;
import dev.lbclient.RetryPolicy;
import dev.lbclient.Strategy;
import dev.lbclient.okhttp.HttpHealthChecker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;
import org.springframework.util.ClassUtils;

/**
 * Turns the properties of one service into a configured {@link LoadBalancer.Builder}, checking
 * every value first so that a bad one fails start-up naming its property.
 */
final class ServiceFactory {
  static final int DEFAULT_PANIC_THRESHOLD = 50;
  private static final String DNS_SOURCE = "dev.lbclient.dns.DnsEndpointSource";

  private ServiceFactory() {}

  /** A checked, ready-to-build service: {@code build} starts the load balancer. */
  static Supplier<LoadBalancer> prepare(String name, LbClientProperties.Service service,
      @Nullable ClassLoader classLoader) {
    String p = "lbclient.services." + name + ".";
    LoadBalancer.Builder builder;
    try {
      builder = LoadBalancer.builder(name);
    } catch (IllegalArgumentException e) {
      throw LbClientConfigException.of("lbclient.services", "'" + name + "'", e);
    }
    builder.endpoints(source(p, service, classLoader));
    if (service.getStrategy() != null) {
      String strategy = service.getStrategy();
      try {
        builder.strategy(Strategy.parse(strategy));
      } catch (IllegalArgumentException e) {
        throw LbClientConfigException.of(p + "strategy", strategy, e);
      }
    }
    if (service.getZone() != null) {
      String zone = service.getZone();
      apply(p + "zone", zone, () -> builder.zone(zone));
    }
    if (service.getPanicThreshold() != null) {
      int percent = service.getPanicThreshold();
      apply(p + "panic-threshold", percent, () -> builder.panicThreshold(percent));
    }
    if (service.getSlowStart() != null) {
      Duration window = service.getSlowStart();
      apply(p + "slow-start", window, () -> builder.slowStart(window));
    }
    builder.outlierDetection(outlierDetection(p + "outlier-detection.",
        service.getOutlierDetection()));
    breaker(p + "circuit-breaker.", service.getCircuitBreaker(), builder);
    builder.retryPolicy(retryPolicy(p + "retry.", service.getRetry()));
    LbClientProperties.HealthCheck health = service.getHealthCheck();
    if (health.isEnabled()) {
      builder.healthCheck(healthCheck(p + "health-check.", health));
    }
    return builder::build;
  }

  private static EndpointSource source(String p, LbClientProperties.Service service,
      @Nullable ClassLoader classLoader) {
    LbClientProperties.Dns dns = service.getDns();
    List<String> texts = service.getEndpoints();
    int kinds = (texts.isEmpty() ? 0 : 1) + (dns.getSrv() == null ? 0 : 1)
        + (dns.getA() == null ? 0 : 1);
    if (kinds != 1) {
      throw new LbClientConfigException(p + "endpoints: " + texts + ", " + p + "dns.srv: "
          + dns.getSrv() + ", " + p + "dns.a: " + dns.getA()
          + " (expected: exactly one of endpoints, dns.srv and dns.a)");
    }
    if (!texts.isEmpty()) {
      List<Endpoint> endpoints = new ArrayList<>(texts.size());
      for (int i = 0; i < texts.size(); i++) {
        String text = texts.get(i);
        try {
          endpoints.add(Endpoint.parse(text));
        } catch (IllegalArgumentException e) {
          // The core names the part at fault (port, weight...): keep its words.
          String core = String.valueOf(e.getMessage());
          String property = p + "endpoints[" + i + "]";
          throw new LbClientConfigException(core.startsWith("endpoint: ")
              ? property + core.substring("endpoint".length())
              : property + ": '" + text + "', " + core, e);
        }
      }
      return EndpointSource.of(endpoints.toArray(new Endpoint[0]));
    }
    if (!ClassUtils.isPresent(DNS_SOURCE, classLoader)) {
      throw new LbClientConfigException(p + "dns: " + (dns.getSrv() != null ? dns.getSrv()
          : dns.getA()) + " (expected: dev.lbclient:lb-client-dns on the class path)");
    }
    return DnsSources.create(p, dns);
  }

  private static OutlierDetection outlierDetection(String p,
      LbClientProperties.OutlierDetection od) {
    if (!od.isEnabled()) {
      return OutlierDetection.disabled();
    }
    OutlierDetection.Builder b = OutlierDetection.builder();
    Integer failures = od.getConsecutiveFailures();
    if (failures != null) {
      apply(p + "consecutive-failures", failures, () -> b.consecutiveFailures(failures));
    }
    Integer percent = od.getFailureRatePercent();
    Integer minimum = od.getFailureRateMinimumCalls();
    if (percent != null || minimum != null) {
      if (percent == null || minimum == null) {
        throw new LbClientConfigException(p + "failure-rate-percent: " + percent + ", " + p
            + "failure-rate-minimum-calls: " + minimum + " (expected: both set or neither)");
      }
      apply(p + "failure-rate-percent", percent + ", minimum calls " + minimum,
          () -> b.failureRate(percent, minimum));
    }
    Duration base = od.getBaseEjectionTime();
    if (base != null) {
      apply(p + "base-ejection-time", base, () -> b.baseEjectionTime(base));
    }
    Duration max = od.getMaxEjectionTime();
    if (max != null) {
      apply(p + "max-ejection-time", max, () -> b.maxEjectionTime(max));
    }
    Integer maxPercent = od.getMaxEjectionPercent();
    if (maxPercent != null) {
      apply(p + "max-ejection-percent", maxPercent, () -> b.maxEjectionPercent(maxPercent));
    }
    try {
      return b.build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new LbClientConfigException(p + "*: " + e.getMessage(), e);
    }
  }

  private static void breaker(String p, LbClientProperties.CircuitBreaker cb,
      LoadBalancer.Builder builder) {
    if (!cb.isEnabled()) {
      builder.noCircuitBreakers();
      return;
    }
    Integer threshold = cb.getFailureRateThreshold();
    Integer window = cb.getSlidingWindowSize();
    Integer minimum = cb.getMinimumNumberOfCalls();
    Duration wait = cb.getWaitDurationInOpenState();
    if (threshold == null && window == null && minimum == null && wait == null) {
      return;
    }
    CircuitBreakerConfig defaults = LoadBalancer.Builder.defaultCircuitBreakerConfig();
    CircuitBreakerConfig.Builder b = CircuitBreakerConfig.from(defaults);
    if (threshold != null) {
      check(p + "failure-rate-threshold", threshold, threshold >= 1 && threshold <= 100,
          "1..100");
      b.failureRateThreshold(threshold);
    }
    int size = window != null ? window : defaults.getSlidingWindowSize();
    if (window != null) {
      check(p + "sliding-window-size", window, window >= 1 && window <= 10_000, "1..10000");
      b.slidingWindowSize(window);
    }
    if (minimum != null) {
      check(p + "minimum-number-of-calls", minimum, minimum >= 1 && minimum <= size,
          "1.." + size + ", at most sliding-window-size");
      b.minimumNumberOfCalls(minimum);
    }
    if (wait != null) {
      check(p + "wait-duration-in-open-state", wait,
          wait.compareTo(Duration.ofMillis(1)) >= 0 && wait.compareTo(Duration.ofHours(1)) <= 0,
          "1ms..1h");
      b.waitDurationInOpenState(wait);
    }
    builder.circuitBreaker(b.build());
  }

  private static RetryPolicy retryPolicy(String p, LbClientProperties.Retry retry) {
    RetryPolicy.Builder b = RetryPolicy.builder();
    Integer attempts = retry.getMaxAttempts();
    if (attempts != null) {
      apply(p + "max-attempts", attempts, () -> b.maxAttempts(attempts));
    }
    Duration initial = retry.getInitialBackoff();
    Duration max = retry.getMaxBackoff();
    if (initial != null || max != null) {
      RetryPolicy defaults = RetryPolicy.defaults();
      Duration i = initial != null ? initial : defaults.initialBackoff();
      Duration m = max != null ? max : defaults.maxBackoff();
      apply(p + (initial != null ? "initial-backoff" : "max-backoff"),
          initial != null ? initial : max, () -> b.backoff(i, m));
    }
    if (!retry.isBudgetEnabled()) {
      b.budget(RetryBudget.unlimited());
    } else if (retry.getBudgetRatio() != null || retry.getBudgetMinPerSecond() != null) {
      RetryBudget defaults = RetryBudget.defaults();
      double ratio = retry.getBudgetRatio() != null ? retry.getBudgetRatio() : defaults.ratio();
      int perSecond = retry.getBudgetMinPerSecond() != null ? retry.getBudgetMinPerSecond()
          : defaults.minRetriesPerSecond();
      if (retry.getBudgetRatio() != null) {
        check(p + "budget-ratio", ratio, ratio >= 0 && ratio <= 1, "0..1");
      }
      String name = retry.getBudgetMinPerSecond() != null ? "budget-min-per-second"
          : "budget-ratio";
      Object value = retry.getBudgetMinPerSecond() != null ? perSecond : ratio;
      apply(p + name, value, () -> b.budget(RetryBudget.of(ratio, perSecond, defaults.ttl())));
    }
    return b.build();
  }

  private static HealthCheck healthCheck(String p, LbClientProperties.HealthCheck health) {
    HealthChecker checker;
    String path = health.getPath();
    if (path != null) {
      HttpHealthChecker.Builder http = HttpHealthChecker.builder(new OkHttpClient());
      apply(p + "path", "'" + path + "'", () -> http.path(path));
      checker = http.build();
    } else {
      checker = HealthChecker.tcp();
    }
    HealthCheck.Builder b = HealthCheck.builder(checker);
    Duration interval = health.getInterval();
    if (interval != null) {
      apply(p + "interval", interval, () -> b.interval(interval));
    }
    Duration timeout = health.getTimeout();
    if (timeout != null) {
      apply(p + "timeout", timeout, () -> b.timeout(timeout));
    }
    try {
      return b.build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new LbClientConfigException(p + "*: " + e.getMessage(), e);
    }
  }

  private static void check(String property, Object value, boolean ok, String expected) {
    if (!ok) {
      throw new LbClientConfigException(property + ": " + value + " (expected: " + expected + ")");
    }
  }

  private static void apply(String property, Object value, Runnable setter) {
    try {
      setter.run();
    } catch (IllegalArgumentException e) {
      throw LbClientConfigException.of(property, value, e);
    }
  }

  /** Kept apart so that lb-client-dns is loaded only when a DNS source is configured. */
  static final class DnsSources {
    private DnsSources() {}

    static EndpointSource create(String p, LbClientProperties.Dns dns) {
      String srv = dns.getSrv();
      if (srv != null) {
        if (dns.getA() != null) {
          throw new LbClientConfigException(p + "dns.a: " + dns.getA()
              + " (expected: unset when dns.srv is set)");
        }
        String name = srv;
        try {
          return dev.lbclient.dns.DnsEndpointSource.srv(name);
        } catch (IllegalArgumentException e) {
          throw LbClientConfigException.of(p + "dns.srv", "'" + name + "'", e);
        }
      }
      String host = String.valueOf(dns.getA());
      Integer port = dns.getPort();
      if (port == null) {
        throw new LbClientConfigException(p + "dns.port: null (expected: 1..65535 with dns.a)");
      }
      try {
        return dev.lbclient.dns.DnsEndpointSource.a(host, port);
      } catch (IllegalArgumentException e) {
        String message = String.valueOf(e.getMessage());
        return message.startsWith("port")
            ? rethrow(LbClientConfigException.of(p + "dns.port", port, e))
            : rethrow(LbClientConfigException.of(p + "dns.a", "'" + host + "'", e));
      }
    }

    private static EndpointSource rethrow(LbClientConfigException e) {
      throw e;
    }
  }
}
