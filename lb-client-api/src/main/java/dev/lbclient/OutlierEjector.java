package dev.lbclient;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive outlier detection (Envoy's, gRPC A50's): an endpoint is ejected after {@code n}
 * consecutive failures or a failure rate over an interval; the ejection lasts the base time times
 * the number of ejections in a row (capped), that count decaying by one per healthy interval; at
 * most the configured percentage of the pool is ejected at once (at least one endpoint).
 *
 * <p>Completions count failures without a lock; an ejection and a re-admission happen under the
 * update lock.
 */
final class OutlierEjector {
  private static final Logger log = LoggerFactory.getLogger(OutlierEjector.class);

  private final String service;
  private final OutlierDetection config;
  private final Publisher publisher;
  private final EventQueue events;
  private final SlowStart slowStart;

  OutlierEjector(LbConfig config, Publisher publisher, EventQueue events, SlowStart slowStart) {
    this.service = config.serviceName;
    this.config = config.outlier;
    this.publisher = publisher;
    this.events = events;
    this.slowStart = slowStart;
  }

  /** A success: ends the failure streak. Lock-free. */
  void onSuccess(EndpointState s, long now) {
    s.successInARow();
    checkRate(s, now);
  }

  /** A failure: ejects {@code s} when its streak or its window's failure rate says so. */
  void onFailure(EndpointState s, long now) {
    int streak = s.failureInARow();
    if (config.consecutiveFailures > 0 && streak >= config.consecutiveFailures && !s.ejected) {
      eject(s, now, streak + " consecutive failures");
    }
    checkRate(s, now);
  }

  private void checkRate(EndpointState s, long now) {
    if (config.failureRatePercent > 0 && s.windowEndedFailing(now, config.intervalNanos,
        config.failureRatePercent, config.failureRateMinimumCalls)) {
      eject(s, now, "failure rate of at least " + config.failureRatePercent + "% over "
          + Duration.ofNanos(config.intervalNanos).toSeconds() + " s");
    }
  }

  private void eject(EndpointState s, long now, String reason) {
    publisher.lock();
    try {
      if (publisher.isClosedLocked() || s.ejected || !publisher.isCurrentLocked(s)) {
        return;
      }
      EndpointState[] current = publisher.currentLocked();
      int ejectedNow = 0;
      for (EndpointState other : current) {
        if (other.ejected) {
          ejectedNow++;
        }
      }
      int cap = Math.max(1, current.length * config.maxEjectionPercent / 100);
      if (ejectedNow + 1 > cap) {
        s.resetFailureStreak(); // try again after as many failures, not at every one
        log.debug("{}: not ejecting {} ({}): {} of {} already ejected, the cap", service,
            s.address(), reason, ejectedNow, current.length);
        return;
      }
      long decayed = s.ejections == 0 ? 0
          : Math.max(0, s.ejections - (now - s.readmittedAtNanos) / config.intervalNanos);
      s.ejections = (int) decayed + 1;
      long duration = config.ejectionNanos(s.ejections);
      s.ejectedUntilNanos = now + duration;
      s.ejected = true;
      s.resetFailureStreak();
      log.warn("{}: ejected {} for {} s: {}", service, s.address(), duration / 1e9, reason);
      Endpoint e = s.endpoint();
      events.add("onEjected", l -> l.onEjected(service, e, Duration.ofNanos(duration), reason));
      publisher.refreshLocked(now);
    } finally {
      publisher.unlock();
    }
  }

  /** Re-admits {@code s} if its ejection is over; under the update lock, before a snapshot. */
  void readmitIfDue(EndpointState s, long now) {
    if (s.ejected && now - s.ejectedUntilNanos >= 0) {
      s.ejected = false;
      s.readmittedAtNanos = now;
      slowStart.start(s, now);
      log.info("{}: {} re-admitted after its ejection", service, s.address());
      Endpoint e = s.endpoint();
      events.add("onReadmitted", l -> l.onReadmitted(service, e));
    }
  }
}
