package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Active health checking: every {@code interval} each endpoint is probed with a {@link
 * HealthChecker}; {@code unhealthyThreshold} failed probes in a row take it out of rotation and
 * {@code healthyThreshold} good ones in a row bring it back (HAProxy's {@code fall} and {@code
 * rise}). Endpoints start healthy. Defaults: interval 5 s, timeout 1 s, unhealthy after 3,
 * healthy after 2.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class HealthCheck {
  final HealthChecker checker;
  final Duration interval;
  final Duration timeout;
  final int healthyThreshold;
  final int unhealthyThreshold;

  private HealthCheck(Builder b) {
    this.checker = b.checker;
    this.interval = b.interval;
    this.timeout = b.timeout;
    this.healthyThreshold = b.healthyThreshold;
    this.unhealthyThreshold = b.unhealthyThreshold;
  }

  /** Default settings with this checker. */
  public static HealthCheck of(HealthChecker checker) {
    return builder(checker).build();
  }

  /** A builder with the defaults and this checker. */
  public static Builder builder(HealthChecker checker) {
    return new Builder(requireNonNull(checker, "checker"));
  }

  /** The probe. */
  public HealthChecker checker() {
    return checker;
  }

  /** Time between rounds of probes. */
  public Duration interval() {
    return interval;
  }

  /** How long a probe may take before it counts as failed. */
  public Duration timeout() {
    return timeout;
  }

  /** Good probes in a row that make an unhealthy endpoint healthy. */
  public int healthyThreshold() {
    return healthyThreshold;
  }

  /** Failed probes in a row that make a healthy endpoint unhealthy. */
  public int unhealthyThreshold() {
    return unhealthyThreshold;
  }

  @Override
  public String toString() {
    return "HealthCheck{" + checker + ", interval=" + interval + ", timeout=" + timeout
        + ", healthy after " + healthyThreshold + ", unhealthy after " + unhealthyThreshold + '}';
  }

  /**
   * Builds a {@link HealthCheck}. Each setter checks its argument at once and may be called once
   * ({@link IllegalStateException} the second time). Not thread-safe.
   */
  public static final class Builder {
    private final HealthChecker checker;
    private Duration interval = Duration.ofSeconds(5);
    private Duration timeout = Duration.ofSeconds(1);
    private int healthyThreshold = 2;
    private int unhealthyThreshold = 3;
    private final SetOnce once = new SetOnce();

    private Builder(HealthChecker checker) {
      this.checker = checker;
    }

    /**
     * Time between rounds.
     *
     * @throws IllegalArgumentException unless positive
     */
    public Builder interval(Duration interval) {
      Duration checked = OutlierDetection.Builder.positive("interval", interval);
      once.check("interval", this.interval);
      this.interval = checked;
      return this;
    }

    /**
     * Probe timeout.
     *
     * @throws IllegalArgumentException unless positive
     */
    public Builder timeout(Duration timeout) {
      Duration checked = OutlierDetection.Builder.positive("timeout", timeout);
      once.check("timeout", this.timeout);
      this.timeout = checked;
      return this;
    }

    /**
     * Good probes in a row to become healthy.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder healthyThreshold(int probes) {
      int checked = atLeastOne("healthyThreshold", probes);
      once.check("healthyThreshold", healthyThreshold);
      this.healthyThreshold = checked;
      return this;
    }

    /**
     * Failed probes in a row to become unhealthy.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder unhealthyThreshold(int probes) {
      int checked = atLeastOne("unhealthyThreshold", probes);
      once.check("unhealthyThreshold", unhealthyThreshold);
      this.unhealthyThreshold = checked;
      return this;
    }

    /** Builds the configuration. */
    public HealthCheck build() {
      return new HealthCheck(this);
    }

    private static int atLeastOne(String name, int value) {
      if (value < 1) {
        throw new IllegalArgumentException(name + ": " + value + " (expected: >= 1)");
      }
      return value;
    }
  }
}
