package dev.lbclient;

/**
 * How a load balancer chooses an endpoint for each call. Obtain one from the static factories; the
 * implementations are internal.
 *
 * <table>
 *   <caption>Strategies</caption>
 *   <tr><th>factory</th><th>chooses</th><th>cost per pick</th></tr>
 *   <tr><td>{@link #powerOfTwoChoices()} (default)</td><td>the less loaded of two endpoints:
 *       the best of the previous pick and the next in turn, load = peak-EWMA latency (at least
 *       the time the endpoint has been silent with calls in flight) x (in-flight + 1) / weight
 *       </td><td>O(1)</td></tr>
 *   <tr><td>{@link #roundRobin()}</td><td>each endpoint in turn, ignoring weights</td>
 *       <td>O(1)</td></tr>
 *   <tr><td>{@link #weightedRoundRobin()}</td><td>in turn, in proportion to weight, smoothly
 *       interleaved</td><td>O(log n)</td></tr>
 *   <tr><td>{@link #leastConnections()}</td><td>an endpoint with the fewest in-flight calls per
 *       unit of weight</td><td>O(n)</td></tr>
 *   <tr><td>{@link #leastTime()}</td><td>an endpoint with the lowest peak-EWMA latency x
 *       (in-flight + 1) / weight</td><td>O(n)</td></tr>
 *   <tr><td>{@link #consistentHash()}</td><td>the owner of the request key in a Maglev table
 *       </td><td>O(1)</td></tr>
 *   <tr><td>{@link #ipHash()}</td><td>the owner of the client address in a Maglev table</td>
 *       <td>O(1)</td></tr>
 *   <tr><td>{@link #random()}</td><td>at random, in proportion to weight</td>
 *       <td>O(1), O(log n) when weights differ</td></tr>
 *   <tr><td>{@link #weightedByLoadReports()}</td><td>in turn, in proportion to the spare capacity
 *       the servers report (gRPC's A58)</td><td>O(log n)</td></tr>
 * </table>
 *
 * <p>Instances are immutable and thread-safe, and may be shared by several load balancers.
 */
public sealed interface Strategy permits StrategyImpl {

  /** What "load" means for {@link #powerOfTwoChoices(Load)}. */
  enum Load {
    /** Peak-EWMA latency x (in-flight + 1): reacts to slow servers as well as busy ones. */
    PEAK_EWMA,
    /** In-flight calls only: the classic "least outstanding requests". */
    IN_FLIGHT
  }

  /**
   * A short name for logs, metrics and configuration, for example {@code roundRobin} or {@code
   * consistentHash.boundedLoad(1.25)}; {@link #parse(String)} turns it back into this strategy.
   */
  String name();

  /**
   * The strategy with this {@linkplain #name() name}: {@code roundRobin}, {@code
   * weightedRoundRobin}, {@code leastConnections}, {@code leastTime}, {@code powerOfTwoChoices},
   * {@code powerOfTwoChoices.inFlight}, {@code consistentHash}, {@code
   * consistentHash.boundedLoad(<factor>)}, {@code ipHash} or {@code random}. Leading and trailing
   * blanks are ignored; case matters.
   *
   * @throws IllegalArgumentException for any other text, naming it and the accepted names
   */
  static Strategy parse(String name) {
    return StrategyImpl.parse(name);
  }

  /**
   * Round robin: each endpoint in turn. The rotation is kept on a few cursors striped by thread,
   * so concurrent callers do not contend on one counter: one thread sees an exact rotation, and
   * over all threads counts differ by at most the number of stripes. Each new picker starts its
   * cursors at random offsets so that a fleet of freshly started clients does not send its first
   * calls to the same endpoint. Weights are ignored (see {@link #weightedRoundRobin()}).
   */
  static Strategy roundRobin() {
    return RoundRobinStrategy.INSTANCE;
  }

  /**
   * Weighted round robin: over every cycle of W picks (W = sum of weights divided by their
   * greatest common divisor; 12 when that is 6) each endpoint gets exactly its share, interleaved
   * rather than in bursts. O(log n) per pick whatever the weights; equal weights fall back to plain
   * round robin.
   */
  static Strategy weightedRoundRobin() {
    return WeightedRoundRobinStrategy.INSTANCE;
  }

  /**
   * Least connections: an endpoint with the fewest in-flight calls per unit of weight; ties are
   * broken uniformly at random. Scans every endpoint (O(n)).
   */
  static Strategy leastConnections() {
    return LeastLoadedStrategy.LEAST_CONNECTIONS;
  }

  /**
   * Least time: an endpoint with the lowest peak-EWMA latency x (in-flight + 1), per unit of
   * weight; ties broken uniformly at random. Scans every endpoint (O(n)).
   */
  static Strategy leastTime() {
    return LeastLoadedStrategy.LEAST_TIME;
  }

  /**
   * Power of two choices over peak-EWMA load, with memory: the two candidates are the endpoint
   * remembered from the previous pick and a fresh one (the next in turn when weights are equal,
   * else one drawn in proportion to weight); the lower load per unit of weight wins, a tie goes to
   * the fresh one, and the picker then remembers whichever of the two is less loaded with this call
   * counted. Load is peak-EWMA latency x (in-flight + 1), where the latency is raised to at least
   * the time the endpoint has held calls without answering any, so a server that stops answering
   * becomes expensive before its calls time out. O(1), no lock, no allocation. The memory finds
   * one fast server among many slow ones, where two random candidates are usually both slow; the
   * fresh candidate in turn spreads calls as evenly as round robin when loads are alike. The
   * default strategy.
   */
  static Strategy powerOfTwoChoices() {
    return PowerOfTwoChoicesStrategy.PEAK_EWMA;
  }

  /**
   * Power of two choices with the given notion of load: {@link Load#PEAK_EWMA} is {@link
   * #powerOfTwoChoices()}; {@link Load#IN_FLIGHT} is the classic rule, two distinct endpoints
   * at random (in proportion to weight), the one with fewer in-flight calls per unit of weight wins.
   */
  static Strategy powerOfTwoChoices(Load load) {
    java.util.Objects.requireNonNull(load, "load");
    return load == Load.PEAK_EWMA
        ? PowerOfTwoChoicesStrategy.PEAK_EWMA
        : PowerOfTwoChoicesStrategy.IN_FLIGHT;
  }

  /**
   * Consistent hashing on {@link RequestContext#key()} with a Maglev lookup table: a key maps to
   * the same endpoint in every client, and removing one of n endpoints moves only about 1/n of the
   * keys. The table has 65537 slots up to 655 endpoints, 655373 up to 6553 and 6553621 beyond
   * (at least 100 per endpoint, for balance within about 1%); crossing one of those sizes remaps
   * nearly every key, once. Weights are honoured; every endpoint owns at least one slot. A pick
   * without a key goes to a random endpoint.
   */
  static Strategy consistentHash() {
    return MaglevStrategy.KEY;
  }

  /**
   * {@link #consistentHash()} with bounded load: an endpoint takes a key only while its in-flight
   * calls are below {@code loadFactor} x the mean (weighted); otherwise the key walks on to the
   * next endpoint of the table. Keeps hot keys from overloading one server at the cost of some
   * affinity. 1.25 is a good start.
   *
   * @throws IllegalArgumentException unless {@code loadFactor > 1}
   */
  static Strategy consistentHashWithBoundedLoad(double loadFactor) {
    if (!(loadFactor > 1.0) || Double.isInfinite(loadFactor)) {
      throw new IllegalArgumentException(
          "loadFactor: " + loadFactor + " (expected: a finite number > 1, e.g. 1.25)");
    }
    return new MaglevStrategy(false, loadFactor);
  }

  /**
   * Source-address affinity (NGINX's {@code ip_hash}, HAProxy's {@code source}): hashes {@link
   * RequestContext#clientAddress()} (or, if absent, the key) in the same Maglev table as {@link
   * #consistentHash()}.
   */
  static Strategy ipHash() {
    return MaglevStrategy.CLIENT_ADDRESS;
  }

  /**
   * Random: uniform when the weights are equal, otherwise in proportion to weight.
   */
  static Strategy random() {
    return RandomStrategy.INSTANCE;
  }

  /**
   * Weighted round robin by the load the servers report ({@link Pick#reportLoad(LoadReport)}),
   * with gRPC's A58 weights: an endpoint's weight is {@code rps / (utilization + eps / rps)} from
   * its last report (application utilization when above 0, else CPU), counted once it has reported
   * for 10 s and until 3 minutes after its last report, recomputed every second on the load
   * balancer's timer; endpoints without a weight get the mean, and weights are clamped to 0.1 to
   * 10 times the mean. Smoothly interleaved, O(log n) per pick; round robin until two endpoints
   * have weights. Configured weights and slow start are ignored.
   */
  static Strategy weightedByLoadReports() {
    return LoadReportStrategy.INSTANCE;
  }
}
