package dev.lbclient;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the endpoints' current state into a {@link Snapshot}: the usable set, panic, the
 * candidates and their slow-start weights, the strategy's picker, the endpoints that want probe
 * calls, and the next moment any of this changes by itself. Reads endpoint state and changes none
 * (the strategy may reuse a hash table it built before). Called under the update lock.
 */
final class SnapshotBuilder {
  private static final EndpointState[] NONE = new EndpointState[0];

  private final LbConfig config;
  private final SlowStart slowStart;
  private final PickerEnv env;

  SnapshotBuilder(LbConfig config, SlowStart slowStart, PickerEnv env) {
    this.config = config;
    this.slowStart = slowStart;
    this.env = env;
  }

  Snapshot build(long version, EndpointState[] all, long now) {
    Deadlines due = new Deadlines();
    List<EndpointState> usable = new ArrayList<>(all.length);
    List<EndpointState> probes = new ArrayList<>(0);
    for (EndpointState s : all) {
      addDeadlines(s, now, due);
      if (s.usable(now)) {
        usable.add(s);
        if (s.breaker != null && s.seenBreakerState != CircuitBreaker.State.CLOSED) {
          probes.add(s);
        }
      }
    }
    int threshold = config.panicThreshold;
    boolean inPanic = usable.size() * 100 < threshold * all.length;
    EndpointState[] candidates;
    if (!inPanic) {
      candidates = usable.toArray(NONE);
    } else {
      candidates = config.failOnPanic ? NONE : all;
    }
    if (candidates.length == 0) {
      String service = config.serviceName;
      String failure = inPanic && config.failOnPanic && !usable.isEmpty()
          ? "no endpoint available for " + service + ": only " + usable.size() + " of "
              + all.length + " endpoints usable, below the panic threshold of " + threshold + "%"
          : "no endpoint available for " + service + ": all " + all.length
              + " endpoints are unusable";
      return new Snapshot(version, all, null, null, inPanic, false, usable.size(), failure, true,
          false, due.any(), due.earliest());
    }
    Picker picker = config.strategy.newPicker(candidates,
        slowStart.weights(config.strategy, candidates, now), env);
    return new Snapshot(version, all, picker, probes.isEmpty() ? null : probes.toArray(NONE),
        inPanic, inPanic, usable.size(), "", true, false, due.any(), due.earliest());
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
