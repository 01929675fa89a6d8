package dev.lbclient;

/**
 * The lease on one chosen endpoint for one call: the endpoint to call, and the duty to say how the
 * call went. Use it in try-with-resources and call {@link #success()} as the last statement:
 *
 * <pre>{@code
 * try (Pick pick = lb.pick()) {
 *   Response r = call(pick.endpoint());
 *   pick.success();
 * }
 * }</pre>
 *
 * <p>If {@code call} throws, try-with-resources closes the lease before any {@code catch} runs, so
 * {@link #close()} without an outcome counts the call as a <b>failure</b>: outlier detection and the
 * circuit breaker see it. Report a specific error with {@link #failure(Throwable)} and a call given
 * up on purpose (the caller's deadline passed, a hedge lost) with {@link #cancel()}.
 *
 * <p>The endpoint's in-flight count went up when this lease was created and goes down exactly once,
 * at the first of {@link #success()}, {@link #failure(Throwable)}, {@link #cancel()} or {@link
 * #close()}; later calls of any of them do nothing. The latency recorded is the time from the pick
 * to that first call, on the load balancer's ticker. A cancelled call counts neither as success nor
 * as failure; its time counts only when longer than the endpoint's latency estimate, which it then
 * raises (the call would have taken at least that long: a hedge that lost to a stalled server
 * teaches the load balancer that much), and never lowers it.
 *
 * <p>Thread-safe: the methods may race from different threads; exactly one of them reports.
 */
public interface Pick extends AutoCloseable {
  /** The chosen endpoint. */
  Endpoint endpoint();

  /**
   * Why this endpoint was chosen, when {@link LoadBalancer#explainPicks(boolean)} was on at the
   * pick; otherwise {@code null}.
   */
  @org.jspecify.annotations.Nullable PickExplanation explanation();

  /**
   * Fixes the call's latency at this moment, for calls whose lease must outlast their latency: an
   * HTTP response whose headers arrived but whose body is still streaming holds its in-flight slot
   * until the body is closed, yet its latency is the time to the headers. The first call counts;
   * a later {@link #success()} or {@link #failure(Throwable)} reports this latency instead of its
   * own.
   */
  void recordLatency();

  /**
   * Hands the load balancer the load report the server sent with this call's response (see {@link
   * LoadReport#parse(String)}), kept for the endpoint until the next one or for 3 minutes; {@link
   * Strategy#weightedByLoadReports()} weighs endpoints by it. May be called before or after the
   * outcome; the default does nothing (for implementations outside the load balancer).
   */
  default void reportLoad(LoadReport report) {
    java.util.Objects.requireNonNull(report, "report");
  }

  /** Reports that the call succeeded. */
  void success();

  /**
   * Reports that the call failed, for outlier detection and the latency estimate.
   *
   * @throws NullPointerException if {@code cause} is null (the lease is then still open)
   */
  void failure(Throwable cause);

  /**
   * Reports that the call was given up without an outcome (the caller stopped waiting, a hedged
   * call lost the race): it counts neither as success nor as failure.
   */
  void cancel();

  /**
   * Ends the lease; if no outcome was reported, the call counts as a failure (see the class
   * description). Idempotent.
   */
  @Override
  void close();
}
