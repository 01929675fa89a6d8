package dev.lbclient;

/**
 * The lease on one chosen endpoint for one call: the endpoint to call, and the duty to say how the
 * call went. Use it in try-with-resources:
 *
 * <pre>{@code
 * try (Pick pick = lb.pick()) {
 *   Response r = call(pick.endpoint());
 *   pick.success();
 * } catch (IOException e) {
 *   // failure(e) was not reached: close() counts the call as cancelled. Report it instead:
 * }
 * }</pre>
 *
 * <p>The endpoint's in-flight count went up when this lease was created and goes down exactly once,
 * at the first of {@link #success()}, {@link #failure(Throwable)} or {@link #close()}; later calls
 * of any of the three do nothing. The latency recorded is the time from the pick to that first
 * call, on the load balancer's ticker. A cancelled call (close without an outcome) records no
 * latency and counts neither as success nor as failure.
 *
 * <p>Thread-safe: the three methods may race from different threads; exactly one of them reports.
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

  /** Reports that the call succeeded. */
  void success();

  /**
   * Reports that the call failed, for outlier detection and the latency estimate.
   *
   * @throws NullPointerException if {@code cause} is null (the lease is then still open)
   */
  void failure(Throwable cause);

  /** Ends the lease; if no outcome was reported, the call counts as cancelled. Idempotent. */
  @Override
  void close();
}
