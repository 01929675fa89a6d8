package dev.lbclient;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The pick paths: probes first, then the strategy's choice within its breaker's permission, then
 * other endpoints; explanations; and the failure of a pick.
 *
 * <p>A pick reads the published {@link Snapshot} once and never waits for a lock. When every
 * candidate refused (their breakers opened since the snapshot was built, say), it decides again
 * against the freshest state before failing: it refreshes the snapshot if the lock is free (if it
 * is not, a fresher snapshot is being published) and tries again; if every
 * candidate still refuses, none is usable for this call, which is below any panic threshold, so
 * unless panic is off or fails picks the call goes to the strategy's choice without a breaker
 * permission. A pick therefore never fails for a reason that panic overrides. (A caller's filter
 * is not panic's business: when it leaves only refusing endpoints, the pick fails.)
 */
final class Selection {
  private final LbConfig config;
  private final Publisher publisher;
  private final EventQueue events;
  private final BreakerTracker breakers;
  private final Outcomes outcomes;
  /** Volatile: a plain load on x86 and ARM's ldar, seen by picks that start after the change. */
  private volatile boolean explain;

  Selection(LbConfig config, Publisher publisher, EventQueue events, BreakerTracker breakers,
      Outcomes outcomes) {
    this.config = config;
    this.publisher = publisher;
    this.events = events;
    this.breakers = breakers;
    this.outcomes = outcomes;
  }

  void explain(boolean on) {
    this.explain = on;
  }

  /**
   * A lease for one call. {@code avoided} is a preference (dropped when nothing else is left),
   * {@code filter} a requirement.
   */
  Lease pick(RequestContext context, @Nullable Set<String> avoided,
      @Nullable Predicate<Endpoint> filter) {
    if (explain && avoided == null && filter == null) {
      return pickExplained(context);
    }
    long now = config.ticker.read();
    Snapshot snap = current(now);
    Lease lease = attempt(snap, context, now, avoided, filter, false);
    return lease != null ? lease : afterRefusals(snap, context, now, avoided, filter);
  }

  /** The published snapshot, refreshed first if it is due and the lock is free (a backstop). */
  private Snapshot current(long now) {
    Snapshot snap = publisher.snapshot();
    if (snap.timed && now - snap.dueNanos >= 0 && publisher.tryLock()) {
      try {
        publisher.refreshLocked(now);
      } finally {
        publisher.unlock();
      }
      snap = publisher.snapshot();
    }
    return snap;
  }

  /** A lease from {@code snap}, or null when every candidate refused; throws if it has none. */
  private @Nullable Lease attempt(Snapshot snap, RequestContext context, long now,
      @Nullable Set<String> avoided, @Nullable Predicate<Endpoint> filter, boolean lenient) {
    Picker p = snap.picker;
    if (p == null) {
      throw failure(snap, now, snap.failure);
    }
    if (snap.probes != null && !lenient) {
      EndpointState probe = probe(snap.probes, now, avoided, filter);
      if (probe != null) {
        return outcomes.lease(probe, now, true);
      }
    }
    EndpointState refused = null;
    if (avoided == null && filter == null) {
      EndpointState s = p.pick(context, now);
      Lease lease = tryLease(snap, s, now, lenient);
      if (lease != null) {
        return lease;
      }
      refused = s;
    }
    Take take = new Take(snap, now, avoided, filter, lenient);
    if (p.pick(context, now, take, config.rng, refused) == null && avoided != null) {
      take.avoided = null;
      p.pick(context, now, take, config.rng, null);
    }
    return take.lease;
  }

  /** Takes an endpoint if the caller accepts it and its breaker grants a permission. */
  private final class Take implements Predicate<EndpointState> {
    final Snapshot snap;
    final long now;
    @Nullable Set<String> avoided;
    final @Nullable Predicate<Endpoint> filter;
    final boolean lenient;
    @Nullable Lease lease;

    Take(Snapshot snap, long now, @Nullable Set<String> avoided,
        @Nullable Predicate<Endpoint> filter, boolean lenient) {
      this.snap = snap;
      this.now = now;
      this.avoided = avoided;
      this.filter = filter;
      this.lenient = lenient;
    }

    @Override
    public boolean test(EndpointState s) {
      if ((avoided != null && avoided.contains(s.address()))
          || (filter != null && !filter.test(s.endpoint()))) {
        return false;
      }
      lease = tryLease(snap, s, now, lenient);
      return lease != null;
    }
  }

  /** Every candidate refused: decide again on the freshest state before failing. */
  private Lease afterRefusals(Snapshot seen, RequestContext context, long now,
      @Nullable Set<String> avoided, @Nullable Predicate<Endpoint> filter) {
    Snapshot fresh = publisher.tryRefreshNow();
    Lease lease = fresh == seen ? null : attempt(fresh, context, now, avoided, filter, false);
    if (lease == null && filter == null && config.panicThreshold > 0 && !config.failOnPanic) {
      lease = attempt(fresh, context, now, avoided, filter, true);
    }
    if (lease != null) {
      return lease;
    }
    throw failure(fresh, now, "no endpoint available for " + config.serviceName + (filter != null
        ? ": none of the usable endpoints is accepted by the caller's filter"
        : ": every circuit breaker refused the call"));
  }

  /**
   * A lease on {@code s} if its breaker grants a permission; otherwise null, or in panic (or when
   * {@code lenient}) a lease without a permission: below the panic threshold the load balancer
   * balances over every endpoint rather than crush the few whose breakers are closed (the breaker
   * then sees none of that call). A refusal may reveal a breaker transition to mirror.
   */
  private @Nullable Lease tryLease(Snapshot snap, EndpointState s, long now, boolean lenient) {
    CircuitBreaker b = s.breaker();
    if (b == null || b.tryAcquirePermission()) {
      return outcomes.lease(s, now, true);
    }
    breakers.onRefusal(s, b, now);
    return snap.panic || lenient ? outcomes.lease(s, now, false) : null;
  }

  /**
   * Offers a call to an endpoint whose breaker wants probes; null when none takes one (a
   * HALF_OPEN breaker whose probe permits are all out simply refuses).
   */
  private @Nullable EndpointState probe(EndpointState[] probes, long now,
      @Nullable Set<String> avoided, @Nullable Predicate<Endpoint> filter) {
    for (EndpointState s : probes) {
      if ((avoided != null && avoided.contains(s.address()))
          || (filter != null && !filter.test(s.endpoint()))) {
        continue;
      }
      CircuitBreaker b = BreakerTracker.breaker(s);
      if (b.tryAcquirePermission()) {
        return s;
      }
      breakers.onRefusal(s, b, now);
    }
    return null;
  }

  private RuntimeException failure(Snapshot snap, long now, String reason) {
    String service = config.serviceName;
    if (snap.closed) {
      return new IllegalStateException("load balancer for " + service + " is closed");
    }
    events.add("onNoEndpointAvailable", l -> l.onNoEndpointAvailable(service, reason));
    events.flush();
    return new NoEndpointAvailableException(service, reason,
        snap.listStates ? statusOf(snap.all, now) : List.of());
  }

  static List<EndpointStatus> statusOf(EndpointState[] states, long now) {
    List<EndpointStatus> list = new ArrayList<>(states.length);
    for (EndpointState s : states) {
      list.add(EndpointStatus.of(s, now));
    }
    return List.copyOf(list);
  }

  /** Each endpoint's status with its group's {@linkplain EndpointStatus#share() share}. */
  static List<EndpointStatus> statusOf(Snapshot snap, long now) {
    Map<EndpointState, Double> shares = new IdentityHashMap<>();
    Picker p = snap.picker;
    if (p instanceof SplitPicker) {
      SplitPicker split = (SplitPicker) p;
      for (int g = 0; g < split.pickers.length; g++) {
        for (EndpointState s : split.pickers[g].states) {
          shares.put(s, split.shares[g]);
        }
      }
    } else if (p != null) {
      for (EndpointState s : p.states) {
        shares.put(s, 1.0);
      }
    }
    List<EndpointStatus> list = new ArrayList<>(snap.all.length);
    for (EndpointState s : snap.all) {
      list.add(EndpointStatus.of(s, now).withShare(shares.getOrDefault(s, 0.0)));
    }
    return List.copyOf(list);
  }

  /** {@link #pick}, recording why. */
  private Lease pickExplained(RequestContext context) {
    long now = config.ticker.read();
    Snapshot snap = current(now);
    Picker p = snap.picker;
    if (p == null) {
      throw failure(snap, now, snap.failure);
    }
    StringBuilder why = new StringBuilder();
    EndpointState probe = snap.probes == null ? null : probe(snap.probes, now, null, null);
    Lease lease;
    if (probe != null) {
      why.append("offered a probe call: its circuit breaker is ").append(probe.seenBreakerState)
          .append(" and must see calls to close");
      lease = outcomes.lease(probe, now, true);
    } else {
      EndpointState chosen = p.pickExplained(context, now, why);
      lease = tryLease(snap, chosen, now, false);
      if (lease == null) {
        lease = attempt(snap, context, now, null, null, false);
        if (lease == null) {
          lease = afterRefusals(snap, context, now, null, null);
        }
        why.append("; the circuit breaker of ").append(chosen.address()).append(" refused, took ")
            .append(lease.endpoint().address()).append(" instead");
      } else if (!lease.permitted()) {
        why.append("; its circuit breaker refused, but in panic the call goes anyway");
      }
    }
    List<EndpointStatus> skipped = new ArrayList<>();
    for (EndpointState s : snap.all) {
      if (!s.usable(now)) {
        skipped.add(EndpointStatus.of(s, now));
      }
    }
    lease.explanation(new PickExplanation(config.serviceName, config.strategy.name(),
        lease.endpoint(), why.toString(), skipped, snap.panic));
    return lease;
  }
}
