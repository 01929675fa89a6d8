package dev.lbclient.spring;

import static java.util.Objects.requireNonNull;

import dev.lbclient.LoadBalancer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The load balancers built from {@code lbclient.services}, by service name, in configuration
 * order. Each is also a bean of its own, qualified by its service name:
 * {@code @Qualifier("orders") LoadBalancer orders}.
 *
 * <p>Immutable and thread-safe; the load balancers are closed with the application context.
 */
public final class LoadBalancers {
  private final Map<String, LoadBalancer> byName;

  LoadBalancers(Map<String, LoadBalancer> byName) {
    this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
  }

  /**
   * The load balancer of this service.
   *
   * @throws IllegalArgumentException if no service of that name is configured
   */
  public LoadBalancer get(String service) {
    requireNonNull(service, "service");
    LoadBalancer lb = byName.get(service);
    if (lb == null) {
      throw new IllegalArgumentException(
          "service: '" + service + "' (expected one of: " + byName.keySet() + ")");
    }
    return lb;
  }

  /** Every load balancer by service name, unmodifiable, in configuration order. */
  public Map<String, LoadBalancer> asMap() {
    return byName;
  }

  @Override
  public String toString() {
    return "LoadBalancers" + byName.keySet();
  }
}
