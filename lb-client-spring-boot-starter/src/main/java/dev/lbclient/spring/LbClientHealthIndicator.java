package dev.lbclient.spring;

import dev.lbclient.EndpointStatus;
import dev.lbclient.LoadBalancer;
import dev.lbclient.SourceStatus;
import java.util.List;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/** The health of one load balancer: UP, DEGRADED or DOWN, each endpoint's state as details. */
final class LbClientHealthIndicator implements HealthIndicator {
  static final Status DEGRADED = new Status("DEGRADED",
      "the endpoint source is stale or too few endpoints are usable (panic)");

  private final LoadBalancer lb;
  private final int panicThreshold;

  LbClientHealthIndicator(LoadBalancer lb, int panicThreshold) {
    this.lb = lb;
    this.panicThreshold = panicThreshold;
  }

  @Override
  public Health health() {
    List<EndpointStatus> statuses = lb.status();
    SourceStatus source = lb.sourceStatus();
    Health.Builder b = switch (StatusView.state(statuses, source, panicThreshold)) {
      case UP -> Health.up();
      case DEGRADED -> Health.status(DEGRADED);
      case DOWN -> Health.down();
    };
    b.withDetail("strategy", lb.strategy().name());
    b.withDetail("source", StatusView.source(source));
    for (EndpointStatus s : statuses) {
      b.withDetail(s.endpoint().address(), StatusView.endpoint(s));
    }
    return b.build();
  }
}
