package dev.lbclient;

import java.util.concurrent.atomic.LongAdder;

/** What a load balancer lends to the pickers it builds. Immutable; shared by all its pickers. */
final class PickerEnv {
  final Rng rng;
  /** In-flight calls across the pool; kept only when the strategy needs it. */
  final LongAdder totalInFlight;

  PickerEnv(Rng rng, LongAdder totalInFlight) {
    this.rng = rng;
    this.totalInFlight = totalInFlight;
  }
}
