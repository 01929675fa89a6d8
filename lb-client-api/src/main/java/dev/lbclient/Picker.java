package dev.lbclient;

import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * An immutable choice function over one snapshot of endpoints. Built by a strategy under the load
 * balancer's update lock and published inside a {@link Snapshot}; {@link #pick} is called
 * concurrently by any number of threads.
 *
 * <p><b>{@code pick} must never block, take a lock or allocate.</b> It may read the endpoints'
 * atomic counters and update the picker's own atomics.
 */
abstract class Picker {
  /** Strategy draws before {@link #pick(RequestContext, long, Predicate, RandomGenerator)} scans. */
  static final int REDRAWS = 3;

  /** The endpoints this picker chooses from; never empty. */
  final EndpointState[] states;

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
   * The strategy's choice among the endpoints that {@code take} takes, or null when it takes none.
   * {@code take} may have an effect (it acquires a breaker permission): it is called on each
   * candidate in turn until one returns true. {@code refused}, if not null, is a choice of {@link
   * #pick(RequestContext, long)} already offered and refused: it counts as the first draw. The
   * default draws up to {@value #REDRAWS} times, then scans every endpoint from a random offset;
   * hash pickers walk their table instead, so the keys of a skipped owner go to the same next
   * endpoint in every client.
   */
  @Nullable EndpointState pick(RequestContext context, long nowNanos,
      Predicate<EndpointState> take, RandomGenerator rng, @Nullable EndpointState refused) {
    for (int i = refused == null ? 0 : 1; i < REDRAWS; i++) {
      EndpointState s = pick(context, nowNanos);
      if (take.test(s)) {
        return s;
      }
    }
    int start = rng.nextInt(states.length);
    for (int k = 0; k < states.length; k++) {
      EndpointState s = states[(start + k) % states.length];
      if (take.test(s)) {
        return s;
      }
    }
    return null;
  }

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
