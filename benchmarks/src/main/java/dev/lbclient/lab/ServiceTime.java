package dev.lbclient.lab;

import java.time.Duration;

/**
 * A server's service-time distribution, sampled from uniform numbers supplied by the caller (so
 * that every strategy sees the same request sizes: common random numbers).
 *
 * <ul>
 *   <li>lognormal with a median m and shape sigma: m x e^(sigma z), z standard normal; mean m x
 *       e^(sigma^2 / 2);
 *   <li>exponential with median m: mean m / ln 2;
 *   <li>fixed.
 * </ul>
 *
 * <p>Immutable.
 */
final class ServiceTime {
  private enum Kind { LOGNORMAL, EXPONENTIAL, FIXED }

  private final Kind kind;
  private final double medianNanos;
  private final double sigma;

  private ServiceTime(Kind kind, double medianNanos, double sigma) {
    if (!(medianNanos > 0)) {
      throw new IllegalArgumentException("median: " + medianNanos + " ns (expected: > 0)");
    }
    this.kind = kind;
    this.medianNanos = medianNanos;
    this.sigma = sigma;
  }

  static ServiceTime lognormal(Duration median, double sigma) {
    if (!(sigma >= 0)) {
      throw new IllegalArgumentException("sigma: " + sigma + " (expected: >= 0)");
    }
    return new ServiceTime(Kind.LOGNORMAL, median.toNanos(), sigma);
  }

  static ServiceTime exponential(Duration median) {
    return new ServiceTime(Kind.EXPONENTIAL, median.toNanos(), 0);
  }

  static ServiceTime fixed(Duration value) {
    return new ServiceTime(Kind.FIXED, value.toNanos(), 0);
  }

  /** One sample from two independent uniforms in [0, 1). */
  long sampleNanos(double u1, double u2) {
    double v;
    switch (kind) {
      case LOGNORMAL:
        // Box-Muller: sqrt(-2 ln u1) cos(2 pi u2) is standard normal for u1 in (0, 1].
        double z = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
        v = medianNanos * Math.exp(sigma * z);
        break;
      case EXPONENTIAL:
        v = -medianNanos / Math.log(2) * Math.log(1 - u1);
        break;
      default:
        v = medianNanos;
    }
    return Math.max(1, Math.round(v));
  }

  double meanNanos() {
    switch (kind) {
      case LOGNORMAL:
        return medianNanos * Math.exp(sigma * sigma / 2);
      case EXPONENTIAL:
        return medianNanos / Math.log(2);
      default:
        return medianNanos;
    }
  }

  @Override
  public String toString() {
    String median = String.format(java.util.Locale.ROOT, "%.0f ms", medianNanos / 1e6);
    switch (kind) {
      case LOGNORMAL:
        return "lognormal(median " + median + ", sigma " + sigma + ")";
      case EXPONENTIAL:
        return "exponential(median " + median + ")";
      default:
        return "fixed(" + median + ")";
    }
  }
}
