package dev.lbclient;

import org.jspecify.annotations.Nullable;

/**
 * Everything a pick needs, as of one moment: published by the update path with one volatile write
 * and read once per pick. Immutable.
 */
final class Snapshot {
  private static final EndpointState[] NONE = new EndpointState[0];

  /** Counts publications, for tests and the lab. */
  final long version;
  /** The current endpoints, in source order. */
  final EndpointState[] all;
  /** The strategy's picker over the candidates, or null when picks must fail ({@link #failure}). */
  final @Nullable Picker picker;
  /**
   * Endpoints whose circuit breaker wants probe calls (OPEN with its wait over, or HALF_OPEN), or
   * null. Picks offer them a call first, within the breaker's permits, because a load-aware
   * strategy might never choose them and their breaker would then never leave OPEN.
   */
  final EndpointState @Nullable [] probes;
  /** Below the panic threshold: fewer endpoints usable than it asks for. */
  final boolean inPanic;
  /** In panic and balancing over all endpoints: a breaker's refusal does not move a call. */
  final boolean panic;
  /** Endpoints usable when built (not ejected, penalized, unhealthy or waiting on a breaker). */
  final int usable;
  /** Why picks fail, when {@link #picker} is null. */
  final String failure;
  /** Whether a failed pick lists the endpoints' states (false before the first list). */
  final boolean listStates;
  final boolean closed;
  /** When something in this snapshot changes by itself (an ejection or a breaker wait ends). */
  final boolean timed;
  final long dueNanos;
  /** How calls are split between priority levels and zones, for status and the log. */
  final Routing routing;

  Snapshot(long version, EndpointState[] all, @Nullable Picker picker,
      EndpointState @Nullable [] probes, boolean inPanic, boolean panic, int usable,
      String failure, boolean listStates, boolean closed, boolean timed, long dueNanos,
      Routing routing) {
    this.version = version;
    this.all = all;
    this.picker = picker;
    this.probes = probes;
    this.inPanic = inPanic;
    this.panic = panic;
    this.usable = usable;
    this.failure = failure;
    this.listStates = listStates;
    this.closed = closed;
    this.timed = timed;
    this.dueNanos = dueNanos;
    this.routing = routing;
  }

  /** No list yet, or an empty one: picks fail with {@code failure}. */
  static Snapshot empty(long version, String failure) {
    return new Snapshot(version, NONE, null, null, false, false, 0, failure, false, false, false,
        0, Routing.NONE);
  }

  /** The same endpoints, every pick refused: the load balancer is closed. */
  Snapshot closed() {
    return new Snapshot(version + 1, all, null, null, inPanic, false, usable, "closed", false,
        true, false, 0, routing);
  }
}
