package dev.lbclient;

import org.jspecify.annotations.Nullable;

/**
 * Whether a load balancer's endpoint source is current. A source is <em>stale</em> from its first
 * failed refresh until its next successful one; meanwhile the load balancer keeps serving the last
 * good list.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class SourceStatus {
  static final SourceStatus FRESH = new SourceStatus(false, 0L, null, 0);

  private final boolean stale;
  private final long staleSinceNanos;
  private final @Nullable String lastError;
  private final int failures;

  SourceStatus(boolean stale, long staleSinceNanos, @Nullable String lastError, int failures) {
    this.stale = stale;
    this.staleSinceNanos = staleSinceNanos;
    this.lastError = lastError;
    this.failures = failures;
  }

  /** True while the last refresh failed. */
  public boolean isStale() {
    return stale;
  }

  /**
   * The load balancer's {@link Ticker} reading at the first failure of the current stale period;
   * 0 when not stale.
   */
  public long staleSinceNanos() {
    return staleSinceNanos;
  }

  /** What the last failed refresh said, or {@code null} when not stale. */
  public @Nullable String lastError() {
    return lastError;
  }

  /** Failed refreshes in a row; 0 when not stale. */
  public int consecutiveFailures() {
    return failures;
  }

  @Override
  public String toString() {
    return stale
        ? "stale since " + staleSinceNanos + " ns (" + failures + " failures): " + lastError
        : "fresh";
  }
}
