package dev.lbclient.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code lbclient.*} configuration properties: one entry under {@code lbclient.services} per
 * logical service. Every setting but the endpoints (or DNS name) is optional; an unset one keeps
 * the core's default. Values are checked when the application starts: a bad one fails start-up
 * with a message naming the property, the value and what is expected.
 *
 * <p>A mutable bean filled by Spring's binder; not thread-safe, read once at start-up.
 */
@ConfigurationProperties("lbclient")
public class LbClientProperties {

  /** Whether lb-client's auto-configuration is on. */
  private boolean enabled = true;

  /** The load-balanced services, by logical name (the host name used in URLs). */
  private Map<String, Service> services = new LinkedHashMap<>();

  /** Whether lb-client's auto-configuration is on (default true). */
  public boolean isEnabled() {
    return enabled;
  }

  /** Turns the auto-configuration on or off. */
  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  /** The services by logical name. */
  public Map<String, Service> getServices() {
    return services;
  }

  /** Sets the services by logical name. */
  public void setServices(Map<String, Service> services) {
    this.services = services;
  }

  /** One service: where its endpoints come from and how calls to it are balanced. */
  public static class Service {
    /** Fixed endpoints, each "host:port" (Endpoint.parse form, e.g. "10.0.0.1:8080;weight=2"). */
    private List<String> endpoints = new ArrayList<>();

    /**
     * The strategy (Strategy.parse): roundRobin, weightedRoundRobin, leastConnections, leastTime,
     * powerOfTwoChoices, powerOfTwoChoices.inFlight, consistentHash,
     * consistentHash.boundedLoad(factor), ipHash or random. Default powerOfTwoChoices.
     */
    private @Nullable String strategy;

    /** DNS discovery instead of fixed endpoints (needs lb-client-dns). */
    private final Dns dns = new Dns();

    /** The caller's zone, for zone-aware routing (endpoint attribute "zone"). Off when unset. */
    private @Nullable String zone;

    /** Below this percentage of usable endpoints, balance over all of them (0 to 100, default 50). */
    private @Nullable Integer panicThreshold;

    /** Slow start: the ramp-up window of an endpoint that joins or comes back (1s to 1h). Off when unset. */
    private @Nullable Duration slowStart;

    /** Outlier detection (ejection of failing endpoints). */
    private final OutlierDetection outlierDetection = new OutlierDetection();

    /** The circuit breaker of each endpoint. */
    private final CircuitBreaker circuitBreaker = new CircuitBreaker();

    /** Retries of LoadBalancer.execute and of the OkHttp interceptor, and their budget. */
    private final Retry retry = new Retry();

    /** Active health checks. */
    private final HealthCheck healthCheck = new HealthCheck();

    /** gRPC: a ManagedChannel bean for this service. */
    private final Grpc grpc = new Grpc();

    /** Fixed endpoints, "host:port" each. */
    public List<String> getEndpoints() {
      return endpoints;
    }

    /** Sets the fixed endpoints. */
    public void setEndpoints(List<String> endpoints) {
      this.endpoints = endpoints;
    }

    /** The strategy name, or null for the default. */
    public @Nullable String getStrategy() {
      return strategy;
    }

    /** Sets the strategy name. */
    public void setStrategy(@Nullable String strategy) {
      this.strategy = strategy;
    }

    /** DNS discovery settings. */
    public Dns getDns() {
      return dns;
    }

    /** The caller's zone, or null. */
    public @Nullable String getZone() {
      return zone;
    }

    /** Sets the caller's zone. */
    public void setZone(@Nullable String zone) {
      this.zone = zone;
    }

    /** The panic threshold in percent, or null for the default. */
    public @Nullable Integer getPanicThreshold() {
      return panicThreshold;
    }

    /** Sets the panic threshold in percent. */
    public void setPanicThreshold(@Nullable Integer panicThreshold) {
      this.panicThreshold = panicThreshold;
    }

    /** The slow-start window, or null when off. */
    public @Nullable Duration getSlowStart() {
      return slowStart;
    }

    /** Sets the slow-start window. */
    public void setSlowStart(@Nullable Duration slowStart) {
      this.slowStart = slowStart;
    }

    /** Outlier detection settings. */
    public OutlierDetection getOutlierDetection() {
      return outlierDetection;
    }

    /** Circuit breaker settings. */
    public CircuitBreaker getCircuitBreaker() {
      return circuitBreaker;
    }

    /** Retry settings. */
    public Retry getRetry() {
      return retry;
    }

    /** Health check settings. */
    public HealthCheck getHealthCheck() {
      return healthCheck;
    }

    /** gRPC settings. */
    public Grpc getGrpc() {
      return grpc;
    }
  }

  /** DNS discovery: either SRV records or A/AAAA records plus a port. */
  public static class Dns {
    /** SRV name to look up, e.g. "_http._tcp.orders.internal". */
    private @Nullable String srv;

    /** Host name whose A and AAAA records are the endpoints; needs "port". */
    private @Nullable String a;

    /** The port of the endpoints found by "a" (1 to 65535). */
    private @Nullable Integer port;

    /** The SRV name, or null. */
    public @Nullable String getSrv() {
      return srv;
    }

    /** Sets the SRV name. */
    public void setSrv(@Nullable String srv) {
      this.srv = srv;
    }

    /** The A/AAAA host name, or null. */
    public @Nullable String getA() {
      return a;
    }

    /** Sets the A/AAAA host name. */
    public void setA(@Nullable String a) {
      this.a = a;
    }

    /** The port for "a", or null. */
    public @Nullable Integer getPort() {
      return port;
    }

    /** Sets the port for "a". */
    public void setPort(@Nullable Integer port) {
      this.port = port;
    }
  }

  /** Outlier detection: endpoints that fail are ejected for a while. */
  public static class OutlierDetection {
    /** Whether failing endpoints are ejected (default true). */
    private boolean enabled = true;

    /** Consecutive failures that eject an endpoint (default 5). */
    private @Nullable Integer consecutiveFailures;

    /** Failure rate, in percent, that ejects an endpoint (with failure-rate-minimum-calls). */
    private @Nullable Integer failureRatePercent;

    /** Calls an endpoint must have had in the interval before its failure rate counts. */
    private @Nullable Integer failureRateMinimumCalls;

    /** The first ejection's length; later ones grow (default 30s). */
    private @Nullable Duration baseEjectionTime;

    /** The longest ejection (default 300s). */
    private @Nullable Duration maxEjectionTime;

    /** At most this percentage of endpoints is ejected at once (default 10). */
    private @Nullable Integer maxEjectionPercent;

    /** Whether outlier detection is on. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Turns outlier detection on or off. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** Consecutive failures that eject, or null. */
    public @Nullable Integer getConsecutiveFailures() {
      return consecutiveFailures;
    }

    /** Sets the consecutive failures that eject. */
    public void setConsecutiveFailures(@Nullable Integer consecutiveFailures) {
      this.consecutiveFailures = consecutiveFailures;
    }

    /** Failure rate percent, or null. */
    public @Nullable Integer getFailureRatePercent() {
      return failureRatePercent;
    }

    /** Sets the failure rate percent. */
    public void setFailureRatePercent(@Nullable Integer failureRatePercent) {
      this.failureRatePercent = failureRatePercent;
    }

    /** Minimum calls for the failure rate, or null. */
    public @Nullable Integer getFailureRateMinimumCalls() {
      return failureRateMinimumCalls;
    }

    /** Sets the minimum calls for the failure rate. */
    public void setFailureRateMinimumCalls(@Nullable Integer failureRateMinimumCalls) {
      this.failureRateMinimumCalls = failureRateMinimumCalls;
    }

    /** The base ejection time, or null. */
    public @Nullable Duration getBaseEjectionTime() {
      return baseEjectionTime;
    }

    /** Sets the base ejection time. */
    public void setBaseEjectionTime(@Nullable Duration baseEjectionTime) {
      this.baseEjectionTime = baseEjectionTime;
    }

    /** The longest ejection, or null. */
    public @Nullable Duration getMaxEjectionTime() {
      return maxEjectionTime;
    }

    /** Sets the longest ejection. */
    public void setMaxEjectionTime(@Nullable Duration maxEjectionTime) {
      this.maxEjectionTime = maxEjectionTime;
    }

    /** The maximum ejected percentage, or null. */
    public @Nullable Integer getMaxEjectionPercent() {
      return maxEjectionPercent;
    }

    /** Sets the maximum ejected percentage. */
    public void setMaxEjectionPercent(@Nullable Integer maxEjectionPercent) {
      this.maxEjectionPercent = maxEjectionPercent;
    }
  }

  /** Per-endpoint circuit breakers (Resilience4j). */
  public static class CircuitBreaker {
    /** Whether each endpoint has a circuit breaker (default true). */
    private boolean enabled = true;

    /** Failure rate, in percent, that opens the breaker (1 to 100, default 50). */
    private @Nullable Integer failureRateThreshold;

    /** The number of recent calls the failure rate is taken over (default 20). */
    private @Nullable Integer slidingWindowSize;

    /** Calls needed before the failure rate counts (default 10). */
    private @Nullable Integer minimumNumberOfCalls;

    /** How long an open breaker refuses calls before probing (default 10s). */
    private @Nullable Duration waitDurationInOpenState;

    /** Whether breakers are on. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Turns breakers on or off. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** The failure rate threshold, or null. */
    public @Nullable Integer getFailureRateThreshold() {
      return failureRateThreshold;
    }

    /** Sets the failure rate threshold. */
    public void setFailureRateThreshold(@Nullable Integer failureRateThreshold) {
      this.failureRateThreshold = failureRateThreshold;
    }

    /** The sliding window size, or null. */
    public @Nullable Integer getSlidingWindowSize() {
      return slidingWindowSize;
    }

    /** Sets the sliding window size. */
    public void setSlidingWindowSize(@Nullable Integer slidingWindowSize) {
      this.slidingWindowSize = slidingWindowSize;
    }

    /** The minimum number of calls, or null. */
    public @Nullable Integer getMinimumNumberOfCalls() {
      return minimumNumberOfCalls;
    }

    /** Sets the minimum number of calls. */
    public void setMinimumNumberOfCalls(@Nullable Integer minimumNumberOfCalls) {
      this.minimumNumberOfCalls = minimumNumberOfCalls;
    }

    /** The open-state wait, or null. */
    public @Nullable Duration getWaitDurationInOpenState() {
      return waitDurationInOpenState;
    }

    /** Sets the open-state wait. */
    public void setWaitDurationInOpenState(@Nullable Duration waitDurationInOpenState) {
      this.waitDurationInOpenState = waitDurationInOpenState;
    }
  }

  /** Retries and the retry budget. */
  public static class Retry {
    /** Attempts per call, the first included (1 to 10; 1 means no retry). */
    private @Nullable Integer maxAttempts;

    /** The first retry's backoff (with max-backoff). */
    private @Nullable Duration initialBackoff;

    /** The longest backoff (with initial-backoff). */
    private @Nullable Duration maxBackoff;

    /** Retries allowed as a fraction of calls (0 to 1, default 0.2). */
    private @Nullable Double budgetRatio;

    /** Retries per second always allowed (default 10). */
    private @Nullable Integer budgetMinPerSecond;

    /** Whether retries are limited by a budget (default true). */
    private boolean budgetEnabled = true;

    /** Attempts per call, or null. */
    public @Nullable Integer getMaxAttempts() {
      return maxAttempts;
    }

    /** Sets the attempts per call. */
    public void setMaxAttempts(@Nullable Integer maxAttempts) {
      this.maxAttempts = maxAttempts;
    }

    /** The first backoff, or null. */
    public @Nullable Duration getInitialBackoff() {
      return initialBackoff;
    }

    /** Sets the first backoff. */
    public void setInitialBackoff(@Nullable Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
    }

    /** The longest backoff, or null. */
    public @Nullable Duration getMaxBackoff() {
      return maxBackoff;
    }

    /** Sets the longest backoff. */
    public void setMaxBackoff(@Nullable Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
    }

    /** The budget ratio, or null. */
    public @Nullable Double getBudgetRatio() {
      return budgetRatio;
    }

    /** Sets the budget ratio. */
    public void setBudgetRatio(@Nullable Double budgetRatio) {
      this.budgetRatio = budgetRatio;
    }

    /** The budget's minimum retries per second, or null. */
    public @Nullable Integer getBudgetMinPerSecond() {
      return budgetMinPerSecond;
    }

    /** Sets the budget's minimum retries per second. */
    public void setBudgetMinPerSecond(@Nullable Integer budgetMinPerSecond) {
      this.budgetMinPerSecond = budgetMinPerSecond;
    }

    /** Whether the budget applies. */
    public boolean isBudgetEnabled() {
      return budgetEnabled;
    }

    /** Turns the budget on or off. */
    public void setBudgetEnabled(boolean budgetEnabled) {
      this.budgetEnabled = budgetEnabled;
    }
  }

  /** Active health checks: TCP connects, or HTTP GETs when a path is set. */
  public static class HealthCheck {
    /** Whether endpoints are probed (default false). */
    private boolean enabled;

    /** HTTP path to GET (e.g. "/health"); TCP connects when unset. */
    private @Nullable String path;

    /** Time between probes of one endpoint. */
    private @Nullable Duration interval;

    /** How long a probe may take. */
    private @Nullable Duration timeout;

    /** Whether probes are on. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Turns probes on or off. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** The HTTP path, or null for TCP. */
    public @Nullable String getPath() {
      return path;
    }

    /** Sets the HTTP path. */
    public void setPath(@Nullable String path) {
      this.path = path;
    }

    /** The probe interval, or null. */
    public @Nullable Duration getInterval() {
      return interval;
    }

    /** Sets the probe interval. */
    public void setInterval(@Nullable Duration interval) {
      this.interval = interval;
    }

    /** The probe timeout, or null. */
    public @Nullable Duration getTimeout() {
      return timeout;
    }

    /** Sets the probe timeout. */
    public void setTimeout(@Nullable Duration timeout) {
      this.timeout = timeout;
    }
  }

  /** gRPC: a ManagedChannel bean for the service (needs lb-client-grpc and a transport). */
  public static class Grpc {
    /** Whether a ManagedChannel bean is made for this service (default false). */
    private boolean enabled;

    /** Whether the channel uses plaintext instead of TLS (default false: TLS). */
    private boolean plaintext;

    /** Whether a channel is made. */
    public boolean isEnabled() {
      return enabled;
    }

    /** Marks the service for gRPC. */
    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    /** Whether the channel is plaintext. */
    public boolean isPlaintext() {
      return plaintext;
    }

    /** Sets plaintext. */
    public void setPlaintext(boolean plaintext) {
      this.plaintext = plaintext;
    }
  }
}
