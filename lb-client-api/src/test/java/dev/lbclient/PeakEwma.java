package dev.lbclient;

/** The peak-EWMA load the pickers' load keys stand for, computed directly, for tests. */
final class PeakEwma {
  private PeakEwma() {}

  /**
   * {@code cost x (inFlight + 1)}; an endpoint with no sample yet costs 0 when idle and {@link
   * EndpointState#UNMEASURED_PENALTY} + inFlight when busy.
   */
  static double load(EndpointState s, long nowNanos) {
    int n = s.inFlight();
    double cost = s.cost(nowNanos);
    if (cost == 0.0) {
      return n == 0 ? 0.0 : EndpointState.UNMEASURED_PENALTY + n;
    }
    return cost * (n + 1);
  }
}
