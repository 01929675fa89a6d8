package dev.lbclient;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's view of one service's servers: one {@link EndpointState} per address.
 *
 * <p><b>Reconciling.</b> Each snapshot is matched to the current states by address (host and
 * port). A server that stays keeps its state (in-flight, latency, counters) even if its weight,
 * zone or attributes changed. A server that leaves is kept aside for a grace period (bounded in
 * number, in a Caffeine cache) so that if it comes back soon, as a flapping DNS record does, it
 * gets its old state back; after that it is forgotten.
 *
 * <p><b>Duplicates</b> in a snapshot (the same address twice) are merged: the first occurrence
 * wins and a warning is logged. <b>An empty snapshot</b> is applied as it is: the pool becomes
 * empty and picks fail until a non-empty one arrives (sources that must not empty the pool on a
 * failed lookup, such as DNS, do not deliver one).
 *
 * <p>Not thread-safe: the load balancer calls it under its update lock.
 */
final class ServerPool {
  private static final Logger log = LoggerFactory.getLogger(ServerPool.class);
  static final int MAX_REMEMBERED = 10_000;

  private final String serviceName;
  private final Function<Endpoint, EndpointState> factory;
  private final Map<String, EndpointState> live = new HashMap<>();
  private final Cache<String, EndpointState> removed;
  /** The previous snapshot's states, in its order. */
  private EndpointState[] last = new EndpointState[0];

  ServerPool(String serviceName, double tauMillis, Duration grace, Ticker ticker) {
    this(serviceName, grace, ticker, e -> new EndpointState(e, tauMillis));
  }

  ServerPool(String serviceName, Duration grace, Ticker ticker,
      Function<Endpoint, EndpointState> factory) {
    this.serviceName = serviceName;
    this.factory = factory;
    this.removed = Caffeine.newBuilder()
        .expireAfterWrite(grace)
        .maximumSize(MAX_REMEMBERED)
        .ticker(ticker::read)
        .executor(Runnable::run)
        .build();
  }

  /** What a snapshot changed: the states in snapshot order, and who came and went. */
  static final class Change {
    final EndpointState[] states;
    final List<EndpointState> added;
    final List<Endpoint> removed;
    /** Whether anything differs from the previous snapshot: members, order or values. */
    final boolean changed;

    Change(EndpointState[] states, List<EndpointState> added, List<Endpoint> removed,
        boolean changed) {
      this.states = states;
      this.added = added;
      this.removed = removed;
      this.changed = changed;
    }
  }

  /**
   * Applies a snapshot: the states in snapshot order, one per distinct address, with the
   * endpoints added and removed since the previous one. O(n) in the snapshot and the pool.
   */
  Change reconcile(List<Endpoint> snapshot) {
    removed.cleanUp(); // forget the states whose grace is over before looking any up
    Map<String, Endpoint> distinct = new LinkedHashMap<>();
    List<String> duplicates = new ArrayList<>();
    for (Endpoint e : snapshot) {
      if (distinct.putIfAbsent(e.address(), e) != null) {
        duplicates.add(e.toString());
      }
    }
    if (!duplicates.isEmpty()) {
      log.warn("{}: duplicate endpoints ignored (the first occurrence of each address wins): {}",
          serviceName, duplicates);
    }
    EndpointState[] result = new EndpointState[distinct.size()];
    List<EndpointState> added = new ArrayList<>(0);
    boolean changed = distinct.size() != last.length;
    int i = 0;
    for (Endpoint e : distinct.values()) {
      EndpointState state = live.get(e.address());
      if (state == null) {
        state = removed.asMap().remove(e.address());
        if (state == null) {
          state = factory.apply(e);
        }
        added.add(state);
      }
      changed |= i >= last.length || last[i] != state || !state.endpoint().equals(e);
      state.endpoint(e);
      result[i++] = state;
    }
    List<Endpoint> gone = new ArrayList<>(0);
    for (EndpointState s : last) {
      if (!distinct.containsKey(s.address())) {
        removed.put(s.address(), s);
        gone.add(s.endpoint());
      }
    }
    last = result;
    for (Endpoint e : gone) { // only who came and went: O(changes), not a rebuilt map
      live.remove(e.address());
    }
    for (EndpointState s : added) {
      live.put(s.address(), s);
    }
    return new Change(result, added, gone, changed);
  }

  int size() {
    return live.size();
  }

  /**
   * Forgets the removed states whose grace period is over; returns the nanoseconds until the next
   * remembered one's is, or -1 when none is left. So that a pool that stops changing does not keep
   * the states (and breakers) of endpoints that left it for good.
   */
  long forgetExpired() {
    removed.cleanUp();
    var expiry = removed.policy().expireAfterWrite().orElseThrow();
    Map<String, EndpointState> oldest = expiry.oldest(1);
    if (oldest.isEmpty()) {
      return -1;
    }
    long age = expiry.ageOf(oldest.keySet().iterator().next(), TimeUnit.NANOSECONDS)
        .orElse(0L);
    return Math.max(0, expiry.getExpiresAfter(TimeUnit.NANOSECONDS) - age);
  }

  /** Removed states still remembered (for tests; runs pending expiry first). */
  long remembered() {
    removed.cleanUp();
    return removed.estimatedSize();
  }
}
