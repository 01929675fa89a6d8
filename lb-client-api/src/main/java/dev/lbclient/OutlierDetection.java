package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Passive outlier detection: endpoints whose calls fail are ejected (taken out of rotation) for a
 * while and re-admitted afterwards, as in Envoy and gRPC (gRFC A50).
 *
 * <ul>
 *   <li><b>Consecutive failures</b> (default 5): the 5th failure in a row ejects.
 *   <li><b>Failure rate</b> (default 85% over at least 50 calls in an interval of 10 s): checked
 *       when an endpoint's interval ends.
 *   <li><b>Ejection time</b> = base (30 s) x the times the endpoint was ejected, capped (300 s).
 *       The multiplier drops by one for each interval the endpoint then stays in.
 *   <li><b>Cap</b>: at most 10% of the pool is ejected at once, but one endpoint always may be.
 * </ul>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class OutlierDetection {
  private static final OutlierDetection DEFAULTS = builder().build();
  private static final OutlierDetection DISABLED = new OutlierDetection(builder()
      .consecutiveFailures(0).failureRate(0, 1), false);

  final int consecutiveFailures;
  final int failureRatePercent;
  final int failureRateMinimumCalls;
  final long intervalNanos;
  final long baseEjectionNanos;
  final long maxEjectionNanos;
  final int maxEjectionPercent;
  final boolean enabled;

  private OutlierDetection(Builder b, boolean enabled) {
    this.consecutiveFailures = b.consecutiveFailures;
    this.failureRatePercent = b.failureRatePercent;
    this.failureRateMinimumCalls = b.failureRateMinimumCalls;
    this.intervalNanos = b.interval.toNanos();
    this.baseEjectionNanos = b.baseEjectionTime.toNanos();
    this.maxEjectionNanos = b.maxEjectionTime.toNanos();
    this.maxEjectionPercent = b.maxEjectionPercent;
    this.enabled = enabled;
  }

  /** The defaults above. */
  public static OutlierDetection defaults() {
    return DEFAULTS;
  }

  /** No ejections at all. */
  public static OutlierDetection disabled() {
    return DISABLED;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Failures in a row that eject; 0 when this check is off. */
  public int consecutiveFailures() {
    return consecutiveFailures;
  }

  /** Failure percentage that ejects; 0 when this check is off. */
  public int failureRatePercent() {
    return failureRatePercent;
  }

  /** Calls an endpoint must have had in an interval for its failure rate to count. */
  public int failureRateMinimumCalls() {
    return failureRateMinimumCalls;
  }

  /** The failure-rate interval, also the step by which the ejection multiplier decays. */
  public Duration interval() {
    return Duration.ofNanos(intervalNanos);
  }

  /** The first ejection's length. */
  public Duration baseEjectionTime() {
    return Duration.ofNanos(baseEjectionNanos);
  }

  /** The longest ejection. */
  public Duration maxEjectionTime() {
    return Duration.ofNanos(maxEjectionNanos);
  }

  /** The largest share of the pool ejected at once (one endpoint always may be). */
  public int maxEjectionPercent() {
    return maxEjectionPercent;
  }

  /** False for {@link #disabled()}. */
  public boolean isEnabled() {
    return enabled;
  }

  /** Ejection length for the n-th ejection in a row (n >= 1). */
  long ejectionNanos(int times) {
    long t = baseEjectionNanos * times;
    return t < 0 || t > maxEjectionNanos ? maxEjectionNanos : t;
  }

  @Override
  public String toString() {
    if (!enabled) {
      return "OutlierDetection{disabled}";
    }
    return "OutlierDetection{consecutiveFailures=" + consecutiveFailures + ", failureRate="
        + failureRatePercent + "% over " + failureRateMinimumCalls + " calls, interval="
        + interval() + ", baseEjectionTime=" + baseEjectionTime() + ", maxEjectionTime="
        + maxEjectionTime() + ", maxEjectionPercent=" + maxEjectionPercent + '}';
  }

  /**
   * Builds an {@link OutlierDetection}. Each setter checks its argument at once and may be called
   * once ({@link IllegalStateException} the second time). Not thread-safe.
   */
  public static final class Builder {
    private int consecutiveFailures = 5;
    private int failureRatePercent = 85;
    private int failureRateMinimumCalls = 50;
    private Duration interval = Duration.ofSeconds(10);
    private Duration baseEjectionTime = Duration.ofSeconds(30);
    private Duration maxEjectionTime = Duration.ofSeconds(300);
    private int maxEjectionPercent = 10;
    private final SetOnce once = new SetOnce();

    private Builder() {}

    /**
     * Failures in a row that eject an endpoint; 0 turns this check off.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder consecutiveFailures(int failures) {
      if (failures < 0) {
        throw new IllegalArgumentException(
            "consecutiveFailures: " + failures + " (expected: >= 0, 0 to disable)");
      }
      once.check("consecutiveFailures", consecutiveFailures);
      this.consecutiveFailures = failures;
      return this;
    }

    /**
     * Ejects an endpoint whose failure percentage in an interval reaches {@code percent}, counted
     * only when it had at least {@code minimumCalls} calls then; percent 0 turns this check off.
     *
     * @throws IllegalArgumentException if percent is outside 0..100 or minimumCalls {@literal <} 1
     */
    public Builder failureRate(int percent, int minimumCalls) {
      if (percent < 0 || percent > 100) {
        throw new IllegalArgumentException(
            "failureRate percent: " + percent + " (expected: 0..100, 0 to disable)");
      }
      if (minimumCalls < 1) {
        throw new IllegalArgumentException(
            "failureRate minimumCalls: " + minimumCalls + " (expected: >= 1)");
      }
      once.check("failureRate", failureRatePercent + "% of " + failureRateMinimumCalls);
      this.failureRatePercent = percent;
      this.failureRateMinimumCalls = minimumCalls;
      return this;
    }

    /**
     * The failure-rate interval and multiplier decay step.
     *
     * @throws IllegalArgumentException unless positive
     */
    public Builder interval(Duration interval) {
      Duration checked = positive("interval", interval);
      once.check("interval", this.interval);
      this.interval = checked;
      return this;
    }

    /**
     * The first ejection's length.
     *
     * @throws IllegalArgumentException unless positive
     */
    public Builder baseEjectionTime(Duration time) {
      Duration checked = positive("baseEjectionTime", time);
      once.check("baseEjectionTime", baseEjectionTime);
      this.baseEjectionTime = checked;
      return this;
    }

    /**
     * The longest ejection.
     *
     * @throws IllegalArgumentException unless positive
     */
    public Builder maxEjectionTime(Duration time) {
      Duration checked = positive("maxEjectionTime", time);
      once.check("maxEjectionTime", maxEjectionTime);
      this.maxEjectionTime = checked;
      return this;
    }

    /**
     * The largest share of the pool ejected at once; one endpoint may always be ejected.
     *
     * @throws IllegalArgumentException if outside 0..100
     */
    public Builder maxEjectionPercent(int percent) {
      if (percent < 0 || percent > 100) {
        throw new IllegalArgumentException(
            "maxEjectionPercent: " + percent + " (expected: 0..100)");
      }
      once.check("maxEjectionPercent", maxEjectionPercent);
      this.maxEjectionPercent = percent;
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @throws IllegalStateException if maxEjectionTime is shorter than baseEjectionTime
     */
    public OutlierDetection build() {
      if (maxEjectionTime.compareTo(baseEjectionTime) < 0) {
        throw new IllegalStateException("maxEjectionTime " + maxEjectionTime
            + " is shorter than baseEjectionTime " + baseEjectionTime);
      }
      return new OutlierDetection(this, consecutiveFailures > 0 || failureRatePercent > 0);
    }

    static Duration positive(String name, @Nullable Duration d) {
      requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + ": " + d + " (expected: positive)");
      }
      return d;
    }
  }
}
