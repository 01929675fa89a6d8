package dev.lbclient;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the endpoints' current state into a {@link Snapshot}: the usable set, the endpoints that
 * want probe calls and the next moment any of this changes by itself; panic, priority levels,
 * zones and the strategy's pickers come from {@link Localities}. Reads endpoint state and changes
 * none (the strategy may reuse a hash table it built before). Called under the update lock.
 */
final class SnapshotBuilder {
  private static final EndpointState[] NONE = new EndpointState[0];

  private final SlowStart slowStart;
  private final Localities localities;
  private final long refreshNanos;

  SnapshotBuilder(LbConfig config, SlowStart slowStart, PickerEnv env) {
    this.slowStart = slowStart;
    this.refreshNanos = config.strategy.refreshNanos();
    this.localities = new Localities(config, slowStart, env);
  }

  Snapshot build(long version, EndpointState[] all, long now) {
    Deadlines due = new Deadlines();
    if (refreshNanos > 0) {
      due.add(now + refreshNanos); // weights from load reports change with time
    }
    boolean[] usable = new boolean[all.length];
    int usableCount = 0;
    List<EndpointState> probes = new ArrayList<>(0);
    for (int i = 0; i < all.length; i++) {
      EndpointState s = all[i];
      addDeadlines(s, now, due);
      if (s.usable(now)) {
        usable[i] = true;
        usableCount++;
        if (s.breaker != null && s.seenBreakerState != CircuitBreaker.State.CLOSED) {
          probes.add(s);
        }
      }
    }
    Localities.Result r = localities.build(all, usable, usableCount, now);
    if (r.picker == null) {
      return new Snapshot(version, all, null, null, r.inPanic, false, usableCount, r.failure, true,
          false, due.any(), due.earliest(), r.routing);
    }
    return new Snapshot(version, all, r.picker, probes.isEmpty() ? null : probes.toArray(NONE),
        r.inPanic, r.panic, usableCount, "", true, false, due.any(), due.earliest(), r.routing);
  }

  /** The moments this endpoint's eligibility or weight changes by itself. */
  private void addDeadlines(EndpointState s, long now, Deadlines due) {
    if (s.penalized) {
      due.add(s.penaltyUntilNanos);
    }
    if (s.ejected) {
      due.add(s.ejectedUntilNanos);
    } else if (s.seenBreakerState == CircuitBreaker.State.OPEN
        && now - s.breakerRetryAtNanos < 0) {
      due.add(s.breakerRetryAtNanos);
    }
    if (s.ramping) {
      due.add(slowStart.nextStep(s, now));
    }
  }
}
