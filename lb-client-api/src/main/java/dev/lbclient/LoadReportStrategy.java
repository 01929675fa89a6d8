package dev.lbclient;

/**
 * Weighted round robin by the servers' own load reports, with gRPC's A58 rules.
 *
 * <p>Endpoint i's weight is {@code qps / (utilization + eps / qps x penalty)} from its last report
 * (utilization = application utilization when above 0, else CPU; penalty 1): the rate a server
 * serves per unit of its busy fraction, i.e. its spare capacity as it sees it, lowered for errors.
 * A weight counts once its endpoint has reported for {@link #BLACKOUT_NANOS} without a gap (a
 * server that just started reports low utilization before it is warm) and stops counting 3
 * minutes after its last report. Endpoints without a weight get the mean of the others; weights
 * are clamped to [0.1, 10] x that mean so that neither a near-idle nor a near-dead report takes
 * all or none of the traffic. Fewer than two weights: plain round robin.
 *
 * <p>The weights are recomputed every {@link #UPDATE_NANOS} by the load balancer's one writer
 * (the snapshot is timed to change then) and scaled to integers with the mean at {@link #SCALE},
 * then picked by the golden-ratio weighted round robin: O(log n), lock-free, no allocation. The
 * endpoints' configured weights and slow start are ignored, as in gRPC: the blackout plays slow
 * start's part.
 */
final class LoadReportStrategy extends StrategyImpl {
  static final LoadReportStrategy INSTANCE = new LoadReportStrategy();
  static final long BLACKOUT_NANOS = 10_000_000_000L;
  static final long UPDATE_NANOS = 1_000_000_000L;
  static final double PENALTY = 1.0;
  static final double MIN_RATIO = 0.1;
  static final double MAX_RATIO = 10;
  /** The integer weight of a mean endpoint: 1000, so a clamped one is 100 to 10000. */
  static final int SCALE = 1000;

  @Override
  public String name() {
    return "weightedByLoadReports";
  }

  @Override
  boolean honorsWeights() {
    return false;
  }

  @Override
  boolean supportsSlowStart() {
    return false;
  }

  @Override
  long refreshNanos() {
    return UPDATE_NANOS;
  }

  @Override
  Picker newPicker(EndpointState[] states, int[] ignored, PickerEnv env) {
    double[] weights = weights(states, env.ticker.read());
    if (weights == null) {
      return new RoundRobinStrategy.RoundRobinPicker(states, env.rng);
    }
    int[] scaled = new int[states.length];
    for (int i = 0; i < states.length; i++) {
      scaled[i] = (int) Math.max(1, Math.round(weights[i] * SCALE));
    }
    return WeightedRoundRobinStrategy.INSTANCE.newPicker(states, scaled, env);
  }

  /**
   * Each endpoint's weight relative to the mean of the endpoints that have one (so a mean endpoint
   * weighs 1, an endpoint without a weight too), clamped to [0.1, 10]; null when fewer than two
   * endpoints have a weight.
   */
  static double @org.jspecify.annotations.Nullable [] weights(EndpointState[] states, long now) {
    double[] raw = new double[states.length];
    int weighted = 0;
    double sum = 0;
    for (int i = 0; i < states.length; i++) {
      ReportedLoad r = states[i].reported;
      raw[i] = r == null ? 0 : r.weight(now, BLACKOUT_NANOS, PENALTY);
      if (raw[i] > 0) {
        weighted++;
        sum += raw[i];
      }
    }
    if (weighted < 2) {
      return null;
    }
    double mean = sum / weighted;
    double[] relative = new double[states.length];
    for (int i = 0; i < states.length; i++) {
      relative[i] = raw[i] > 0
          ? Math.min(MAX_RATIO, Math.max(MIN_RATIO, raw[i] / mean))
          : 1.0;
    }
    return relative;
  }
}
