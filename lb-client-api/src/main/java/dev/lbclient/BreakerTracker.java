package dev.lbclient;

import static java.util.Objects.requireNonNull;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mirrors each endpoint's Resilience4j circuit breaker into the snapshot. A breaker changes state
 * inside Resilience4j, on whatever thread records an outcome or asks for a permission; this class
 * notices the change (after an outcome, after a refusal, and at every snapshot), records it as the
 * endpoint's {@code seenBreakerState}, estimates when an OPEN breaker's wait ends (so the snapshot
 * offers it probe calls then: an OPEN breaker only turns HALF_OPEN when a call reaches it), starts
 * slow start when it closes, and queues the event.
 *
 * <p>Lock-free while nothing changes; a change is applied under the update lock.
 */
final class BreakerTracker {
  private static final Logger log = LoggerFactory.getLogger(BreakerTracker.class);

  private final String service;
  private final Publisher publisher;
  private final EventQueue events;
  private final SlowStart slowStart;

  BreakerTracker(LbConfig config, Publisher publisher, EventQueue events, SlowStart slowStart) {
    this.service = config.serviceName;
    this.publisher = publisher;
    this.events = events;
    this.slowStart = slowStart;
  }

  /** After an outcome was recorded on {@code s}'s breaker. */
  void afterOutcome(EndpointState s, CircuitBreaker breaker, long now) {
    if (breaker.getState() != s.seenBreakerState) {
      refresh(s, now);
    }
  }

  /**
   * A breaker refused a call. Takes the update lock only if that tells something new: a state not
   * seen yet, or an OPEN breaker whose estimated wait is over. A refusal in a state already known
   * (an OPEN breaker picked in panic, a HALF_OPEN one with its permits out) costs no lock.
   */
  void onRefusal(EndpointState s, CircuitBreaker b, long now) {
    CircuitBreaker.State state = b.getState();
    if (state != s.seenBreakerState
        || (state == CircuitBreaker.State.OPEN && now - s.breakerRetryAtNanos >= 0)) {
      refresh(s, now);
    }
  }

  private void refresh(EndpointState s, long now) {
    publisher.lock();
    try {
      if (syncLocked(s, now) && !publisher.isClosedLocked()) {
        publisher.refreshLocked(now);
      }
    } finally {
      publisher.unlock();
    }
  }

  /**
   * Applies the breaker's actual state to {@code s}; true when the snapshot must change. Under the
   * update lock; also called for every endpoint before each snapshot, so a snapshot never rests on
   * a breaker state older than itself.
   */
  boolean syncLocked(EndpointState s, long now) {
    CircuitBreaker b = s.breaker;
    if (b == null) {
      return false;
    }
    CircuitBreaker.State seen = s.seenBreakerState;
    CircuitBreaker.State actual = b.getState();
    if (actual == seen) {
      if (actual == CircuitBreaker.State.OPEN && now - s.breakerRetryAtNanos >= 0) {
        // The estimated wait was early (or a probe was refused): look again in a second.
        s.breakerRetryAtNanos = now + TimeUnit.SECONDS.toNanos(1);
        return true;
      }
      return false;
    }
    s.seenBreakerState = actual;
    if (actual == CircuitBreaker.State.OPEN) {
      s.breakerOpenings++;
      long waitMillis = b.getCircuitBreakerConfig()
          .getWaitIntervalFunctionInOpenState().apply(s.breakerOpenings);
      s.breakerRetryAtNanos = now + TimeUnit.MILLISECONDS.toNanos(waitMillis);
      log.warn("{}: circuit breaker of {} opened ({} -> {})", service, s.address(), seen, actual);
    } else if (actual == CircuitBreaker.State.CLOSED) {
      s.breakerOpenings = 0;
      slowStart.start(s, now);
      log.info("{}: circuit breaker of {} closed", service, s.address());
    }
    Endpoint e = s.endpoint();
    events.add("onBreakerStateChanged", l -> l.onBreakerStateChanged(service, e, seen, actual));
    return true;
  }

  /** Sync before a snapshot: only state changes, never the retry estimate of an OPEN breaker. */
  void syncStateLocked(EndpointState s, long now) {
    CircuitBreaker b = s.breaker;
    if (b != null && b.getState() != s.seenBreakerState) {
      syncLocked(s, now);
    }
  }

  static CircuitBreaker breaker(EndpointState s) {
    return requireNonNull(s.breaker);
  }
}
