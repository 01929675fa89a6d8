package dev.lbclient.spring;

import dev.lbclient.EndpointStatus;
import dev.lbclient.LoadBalancer;
import dev.lbclient.SourceStatus;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the health contributors and the {@code lbclient} endpoint show of one load balancer. */
final class StatusView {
  /** The health of one load balancer. */
  enum State { UP, DEGRADED, DOWN }

  private StatusView() {}

  /** Whether the core picks this endpoint outside panic. */
  static boolean usable(EndpointStatus s) {
    CircuitBreaker.State breaker = s.breakerState();
    return !s.isEjected() && s.isHealthy() && breaker != CircuitBreaker.State.OPEN
        && breaker != CircuitBreaker.State.FORCED_OPEN;
  }

  /**
   * DOWN when no endpoint is usable (or there is none), DEGRADED when the source is stale or the
   * usable share is below the panic threshold, UP otherwise.
   */
  static State state(List<EndpointStatus> statuses, SourceStatus source, int panicThreshold) {
    int usable = 0;
    for (EndpointStatus s : statuses) {
      if (usable(s)) {
        usable++;
      }
    }
    if (usable == 0) {
      return State.DOWN;
    }
    if (source.isStale() || usable * 100L < (long) panicThreshold * statuses.size()) {
      return State.DEGRADED;
    }
    return State.UP;
  }

  static Map<String, Object> endpoint(EndpointStatus s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("usable", usable(s));
    m.put("ejected", s.isEjected());
    if (s.isEjected()) {
      m.put("ejectedForMillis", s.ejectedForNanos() / 1_000_000);
    }
    m.put("healthy", s.isHealthy());
    CircuitBreaker.State breaker = s.breakerState();
    m.put("breaker", breaker == null ? "NONE" : breaker.name());
    m.put("inFlight", s.inFlight());
    m.put("share", s.share());
    m.put("priority", s.priority());
    return m;
  }

  static Map<String, Object> source(SourceStatus source) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("stale", source.isStale());
    if (source.isStale()) {
      m.put("lastError", String.valueOf(source.lastError()));
      m.put("consecutiveFailures", source.consecutiveFailures());
    }
    return m;
  }

  /** The whole view of one load balancer, as the {@code lbclient} endpoint shows it. */
  static Map<String, Object> of(LoadBalancer lb, int panicThreshold) {
    List<EndpointStatus> statuses = lb.status();
    SourceStatus source = lb.sourceStatus();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("state", state(statuses, source, panicThreshold).name());
    m.put("strategy", lb.strategy().name());
    m.put("source", source(source));
    List<Map<String, Object>> endpoints = new ArrayList<>(statuses.size());
    for (EndpointStatus s : statuses) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("address", s.endpoint().address());
      e.putAll(endpoint(s));
      endpoints.add(e);
    }
    m.put("endpoints", endpoints);
    return m;
  }
}
