package dev.lbclient.spring;

import static java.util.Objects.requireNonNull;

import dev.lbclient.LoadBalancer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The Actuator endpoint {@code lbclient}: per service, its state (UP, DEGRADED, DOWN), strategy,
 * source status and each endpoint's status ({@link LoadBalancer#status()}). Expose it with
 * {@code management.endpoints.web.exposure.include=lbclient}.
 *
 * <p>Thread-safe: every read takes a fresh status from the load balancers.
 */
@Endpoint(id = "lbclient")
public final class LbClientEndpoint {
  private final LoadBalancers loadBalancers;
  private final LbClientProperties properties;

  LbClientEndpoint(LoadBalancers loadBalancers, LbClientProperties properties) {
    this.loadBalancers = loadBalancers;
    this.properties = properties;
  }

  /** Every service's status, by service name. */
  @ReadOperation
  public Map<String, Object> services() {
    Map<String, Object> all = new LinkedHashMap<>();
    loadBalancers.asMap().forEach((name, lb) -> all.put(name, StatusView.of(lb,
        panicThreshold(properties, name))));
    return all;
  }

  /**
   * One service's status.
   *
   * @throws IllegalArgumentException if no service of that name is configured
   */
  @ReadOperation
  public Map<String, Object> service(@Selector String name) {
    requireNonNull(name, "name");
    return StatusView.of(loadBalancers.get(name), panicThreshold(properties, name));
  }

  static int panicThreshold(LbClientProperties properties, String name) {
    LbClientProperties.Service service = properties.getServices().get(name);
    Integer percent = service == null ? null : service.getPanicThreshold();
    return percent == null ? ServiceFactory.DEFAULT_PANIC_THRESHOLD : percent;
  }
}
