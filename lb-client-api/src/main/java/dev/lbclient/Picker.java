package dev.lbclient;

/**
 * An immutable choice function over one snapshot of endpoints. Built by a strategy under the load
 * balancer's update lock and published with one volatile write; {@link #pick} is called
 * concurrently by any number of threads.
 *
 * <p><b>{@code pick} must never block, take a lock or allocate.</b> It may read the endpoints'
 * atomic counters and update the picker's own atomics.
 */
abstract class Picker {
  /** The endpoints this picker chooses from; never empty except in the special pickers. */
  final EndpointState[] states;
  /**
   * True when the picker must be rebuilt at {@link #refreshAtNanos} (an ejection or a breaker
   * wait ends, a slow-start step). Set before publication, never after.
   */
  boolean timed;

  long refreshAtNanos;

  /** Built in panic: picks ignore breaker refusals. Set before publication, never after. */
  boolean panic;

  /**
   * Endpoints whose circuit breaker wants probe calls (OPEN with its wait over, or HALF_OPEN), or
   * null. Picks offer them a call first, within the breaker's permits, because a load-aware
   * strategy might never choose them and their breaker would then never leave OPEN.
   */
  EndpointState @org.jspecify.annotations.Nullable [] probes;

  Picker(EndpointState[] states) {
    this.states = states;
  }

  /**
   * Chooses one endpoint.
   *
   * @param nowNanos the ticker's reading for this pick (shared with the lease)
   */
  abstract EndpointState pick(RequestContext context, long nowNanos);

  /**
   * The same choice as {@link #pick}, also appending the strategy's account of it to {@code why}.
   * Used only while explanations are on, so it may allocate. The default names the result.
   */
  EndpointState pickExplained(RequestContext context, long nowNanos, StringBuilder why) {
    EndpointState s = pick(context, nowNanos);
    why.append("chose ").append(s.address()).append(" among ").append(states.length);
    return s;
  }

  static String millis(double nanos) {
    return nanos >= EndpointState.UNMEASURED_PENALTY
        ? "unmeasured, busy"
        : String.format(java.util.Locale.ROOT, "%.3f ms", nanos / 1e6);
  }
}
