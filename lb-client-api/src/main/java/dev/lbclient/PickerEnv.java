package dev.lbclient;

import java.util.concurrent.atomic.LongAdder;
import java.util.random.RandomGenerator;

/** What a load balancer lends to the pickers it builds. Immutable; shared by all its pickers. */
final class PickerEnv {
  final RandomGenerator rng;
  /** In-flight calls across the pool; kept only when the strategy needs it. */
  final LongAdder totalInFlight;
  /** The load balancer's ticker, for pickers built from timed state (load reports). */
  final Ticker ticker;

  /**
   * The last Maglev table built and what it was built from, so that a rebuild for an unchanged set
   * (a breaker or ejection timer firing) does not redo it. Only touched under the update lock.
   */
  MaglevStrategy.@org.jspecify.annotations.Nullable Built maglev;

  /** On the system ticker (tests and benchmarks that build pickers by hand). */
  PickerEnv(RandomGenerator rng, LongAdder totalInFlight) {
    this(rng, totalInFlight, Ticker.system());
  }

  PickerEnv(RandomGenerator rng, LongAdder totalInFlight, Ticker ticker) {
    this.rng = rng;
    this.totalInFlight = totalInFlight;
    this.ticker = ticker;
  }
}
