package dev.lbclient;

import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of a load balancer's {@link Snapshot}.
 *
 * <p><b>Concurrency.</b> Every change of what may be picked (a new list, an ejection, a
 * re-admission, a health change, a breaker transition, a slow-start step) is made between {@link
 * #lock()} and {@link #unlock()} and ends with {@link #refreshLocked(long)}: it applies what is due
 * by time, builds a new snapshot and publishes it with one volatile write, then arms one timer task
 * for the moment that snapshot next changes by itself, so timed changes happen on time whether or
 * not anyone picks. {@link #unlock()} releases the lock first and only then starts delivering the
 * events queued meanwhile. <b>A pick never waits for the lock</b>: it reads {@link #snapshot()}
 * once; a pick that is about to fail, or finds its snapshot due, refreshes only if the lock is
 * free.
 */
final class Publisher {
  private static final Logger log = LoggerFactory.getLogger(Publisher.class);

  /** What is applied to each endpoint before a snapshot is built: re-admissions, expiries. */
  interface Expiry {
    void expire(EndpointState s, long now);
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final LbConfig config;
  private final SnapshotBuilder builder;
  private final EventQueue events;
  /** Set once by the load balancer after it built its mechanisms, before it starts. */
  private Expiry expiry = (s, now) -> {};
  private volatile Snapshot snapshot;
  // Guarded by lock.
  private EndpointState[] current = new EndpointState[0];
  private String emptyReason;
  private boolean closed;
  private Timer.Cancellable wakeup = Timer.Cancellable.NONE;
  private boolean wakeupArmed;
  private long wakeupAt;
  /** The split last announced: smaller changes accumulate until they are material. */
  private Routing announced = Routing.NONE;

  Publisher(LbConfig config, SnapshotBuilder builder, EventQueue events) {
    this.config = config;
    this.builder = builder;
    this.events = events;
    this.emptyReason = "no endpoints yet for " + config.serviceName + ": waiting for "
        + config.source.description();
    this.snapshot = Snapshot.empty(0, emptyReason);
  }

  void expiry(Expiry expiry) {
    this.expiry = expiry;
  }

  Snapshot snapshot() {
    return snapshot;
  }

  void lock() {
    lock.lock();
  }

  boolean tryLock() {
    return lock.tryLock();
  }

  /** Releases the lock; the outermost release starts the delivery of queued events. */
  void unlock() {
    boolean outermost = lock.getHoldCount() == 1;
    lock.unlock();
    if (outermost) {
      events.flush();
    }
  }

  boolean isClosedLocked() {
    return closed;
  }

  /** The endpoints of the last list, under the lock. */
  EndpointState[] currentLocked() {
    return current;
  }

  /** Replaces the list (under the lock); call {@link #refreshLocked(long)} after. */
  void setCurrentLocked(EndpointState[] states, String reasonIfEmpty) {
    this.current = states;
    this.emptyReason = reasonIfEmpty;
  }

  boolean isCurrentLocked(EndpointState s) {
    for (EndpointState c : current) {
      if (c == s) {
        return true;
      }
    }
    return false;
  }

  /**
   * Applies what is due, publishes a new snapshot and arms the timer for its next change. Queues
   * the panic event when panic starts or ends, and the routing event when the split between
   * priority levels and zones changes materially.
   */
  void refreshLocked(long now) {
    if (closed) {
      return;
    }
    EndpointState[] all = current;
    for (EndpointState s : all) {
      expiry.expire(s, now);
    }
    Snapshot previous = snapshot;
    Snapshot next = all.length == 0
        ? Snapshot.empty(previous.version + 1, emptyReason)
        : builder.build(previous.version + 1, all, now);
    snapshot = next;
    if (next.inPanic != previous.inPanic && all.length > 0) {
      panicChanged(next);
    }
    if (next.routing.differsMaterially(announced) && all.length > 0) {
      routingChanged(next.routing);
    }
    arm(next, now);
  }

  private void routingChanged(Routing routing) {
    announced = routing;
    String service = config.serviceName;
    String summary = routing.summary;
    if (!summary.isEmpty()) {
      log.info("{}: calls go to {}", service, summary);
      events.add("onRoutingChanged", l -> l.onRoutingChanged(service, summary));
    }
  }

  private void panicChanged(Snapshot next) {
    String service = config.serviceName;
    int usable = next.usable;
    int total = next.all.length;
    if (next.inPanic) {
      log.warn("{}: panic: only {} of {} endpoints usable, below {}%; {}", service, usable, total,
          config.panicThreshold, config.failOnPanic ? "failing picks" : "balancing over all of them");
    } else {
      log.info("{}: out of panic: {} of {} endpoints usable", service, usable, total);
    }
    boolean panic = next.inPanic;
    events.add("onPanic", l -> l.onPanic(service, panic, usable, total));
  }

  /** One timer task per load balancer, for the earliest moment the snapshot changes by itself. */
  private void arm(Snapshot next, long now) {
    if (!next.timed) {
      return;
    }
    if (wakeupArmed && next.dueNanos - wakeupAt >= 0) {
      return; // an earlier or equal wake-up is already set; it will re-arm for this one
    }
    wakeup.cancel();
    wakeupArmed = true;
    wakeupAt = next.dueNanos;
    wakeup = config.timer.schedule(this::onTimer, next.dueNanos - now);
  }

  private void onTimer() {
    lock();
    try {
      wakeupArmed = false;
      wakeup = Timer.Cancellable.NONE;
      if (!closed) {
        refreshLocked(config.ticker.read());
      }
    } catch (RuntimeException e) {
      log.warn("{}: timed refresh failed", config.serviceName, e);
    } finally {
      unlock();
    }
  }

  /**
   * Refreshes at once if the lock is free, for a pick about to fail on a stale snapshot; if another
   * thread holds it, that thread is publishing a fresher snapshot already, and the pick does not
   * wait for it. Returns the latest snapshot either way.
   */
  Snapshot tryRefreshNow() {
    if (tryLock()) {
      try {
        refreshLocked(config.ticker.read());
      } finally {
        unlock();
      }
    }
    return snapshot;
  }

  /** Publishes the closed snapshot and cancels the timer; returns false if already closed. */
  boolean closeLocked() {
    if (closed) {
      return false;
    }
    closed = true;
    wakeup.cancel();
    wakeupArmed = false;
    snapshot = snapshot.closed();
    return true;
  }
}
