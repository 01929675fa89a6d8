package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two ways an endpoint leaves rotation other than outlier ejection: active health-check results
 * (HAProxy's fall and rise thresholds) and penalties the server asked for (429 or 503 with
 * Retry-After). Neither counts as a failure. Changes are applied under the update lock.
 */
final class Penalties {
  private static final Logger log = LoggerFactory.getLogger(Penalties.class);

  private final LbConfig config;
  private final Publisher publisher;
  private final EventQueue events;
  private final SlowStart slowStart;

  Penalties(LbConfig config, Publisher publisher, EventQueue events, SlowStart slowStart) {
    this.config = config;
    this.publisher = publisher;
    this.events = events;
    this.slowStart = slowStart;
  }

  /** See {@link LoadBalancer#penalize(Endpoint, Duration)}. */
  void penalize(Endpoint endpoint, Duration duration) {
    requireNonNull(endpoint, "endpoint");
    requireNonNull(duration, "duration");
    if (duration.isNegative() || duration.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("duration: " + duration + " (expected: PT0S..PT1H)");
    }
    long now = config.ticker.read();
    publisher.lock();
    try {
      if (publisher.isClosedLocked()) {
        return;
      }
      for (EndpointState s : publisher.currentLocked()) {
        if (s.address().equals(endpoint.address())) {
          long until = now + duration.toNanos();
          if (!s.penalized || until - s.penaltyUntilNanos > 0) {
            s.penaltyUntilNanos = until;
            s.penalized = true;
            log.info("{}: {} asked for less traffic; out of rotation for {}", config.serviceName,
                s.address(), duration);
            publisher.refreshLocked(now);
          }
          return;
        }
      }
    } finally {
      publisher.unlock();
    }
  }

  /** Ends {@code s}'s penalty if its time is up; under the update lock, before a snapshot. */
  void expireIfDue(EndpointState s, long now) {
    if (s.penalized && now - s.penaltyUntilNanos >= 0) {
      s.penalized = false;
    }
  }

  /** A health probe result, from the health-check runner. */
  void onHealthResult(EndpointState s, boolean healthy, HealthCheck check) {
    publisher.lock();
    try {
      if (publisher.isClosedLocked()) {
        return;
      }
      s.healthStreak = healthy ? Math.max(1, s.healthStreak + 1) : Math.min(-1, s.healthStreak - 1);
      boolean change = healthy
          ? s.unhealthy && s.healthStreak >= check.healthyThreshold
          : !s.unhealthy && -s.healthStreak >= check.unhealthyThreshold;
      if (!change) {
        return;
      }
      long now = config.ticker.read();
      s.unhealthy = !healthy;
      String service = config.serviceName;
      if (healthy) {
        slowStart.start(s, now);
        log.info("{}: {} is healthy again", service, s.address());
      } else {
        log.warn("{}: {} failed {} health checks in a row", service, s.address(), -s.healthStreak);
      }
      Endpoint e = s.endpoint();
      events.add("onHealthChanged", l -> l.onHealthChanged(service, e, healthy));
      if (publisher.isCurrentLocked(s)) {
        publisher.refreshLocked(now);
      }
    } finally {
      publisher.unlock();
    }
  }
}
