package dev.lbclient.grpc;

import dev.lbclient.LoadBalancer;
import dev.lbclient.Strategy;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The parsed {@code lbclient} policy config: {@code {"strategy": "leastTime", "slowStart": "30s",
 * "deadlineExceededIsFailure": true}}, every key optional. Unknown keys are refused, so a typo does
 * not silently fall back to a default. Immutable.
 */
final class PolicyConfig {
  static final PolicyConfig DEFAULTS = new PolicyConfig(null, null, true);

  static final String STRATEGY = "strategy";
  static final String SLOW_START = "slowStart";
  static final String DEADLINE_EXCEEDED_IS_FAILURE = "deadlineExceededIsFailure";

  private static final Pattern SECONDS = Pattern.compile("([0-9]{1,9})(?:\\.([0-9]{1,9}))?s");

  /** Null: the default strategy (or, with a shared load balancer, its own). */
  final @Nullable Strategy strategy;
  final @Nullable Duration slowStart;
  final boolean deadlineExceededIsFailure;

  PolicyConfig(@Nullable Strategy strategy, @Nullable Duration slowStart,
      boolean deadlineExceededIsFailure) {
    this.strategy = strategy;
    this.slowStart = slowStart;
    this.deadlineExceededIsFailure = deadlineExceededIsFailure;
  }

  /**
   * Parses the JSON object gRPC hands over (strings, Doubles, Booleans, lists and maps).
   *
   * @throws IllegalArgumentException naming the key and value at fault
   */
  static PolicyConfig parse(Map<String, ?> raw) {
    Strategy strategy = null;
    Duration slowStart = null;
    boolean deadlineIsFailure = true;
    for (Map.Entry<String, ?> e : raw.entrySet()) {
      String key = e.getKey();
      Object value = e.getValue();
      switch (key) {
        case STRATEGY:
          strategy = strategy(string(key, value));
          break;
        case SLOW_START:
          slowStart = slowStart(string(key, value));
          break;
        case DEADLINE_EXCEEDED_IS_FAILURE:
          if (!(value instanceof Boolean)) {
            throw new IllegalArgumentException(
                key + ": " + describe(value) + " (expected: true or false)");
          }
          deadlineIsFailure = (Boolean) value;
          break;
        default:
          throw new IllegalArgumentException("lbclient config: unknown key '" + key
              + "' (expected: " + STRATEGY + ", " + SLOW_START + ", "
              + DEADLINE_EXCEEDED_IS_FAILURE + ")");
      }
    }
    return new PolicyConfig(strategy, slowStart, deadlineIsFailure);
  }

  /** The strategy of this {@link Strategy#name()}, for configs. */
  static Strategy strategy(String name) {
    return Strategy.parse(name);
  }

  /** A gRPC JSON duration such as {@code "30s"} or {@code "1.5s"}, checked as the core does. */
  private static Duration slowStart(String text) {
    Matcher m = SECONDS.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          SLOW_START + ": '" + text + "' (expected: a duration in seconds, e.g. \"30s\")");
    }
    Duration d = Duration.ofSeconds(Long.parseLong(m.group(1)));
    if (m.group(2) != null) {
      d = d.plusNanos(new BigDecimal("0." + m.group(2)).movePointRight(9).longValueExact());
    }
    // The core's builder owns the range check and its message; nothing is built here.
    LoadBalancer.builder("config").slowStart(d);
    return d;
  }

  /** Renders a duration the way gRPC's JSON durations are written: {@code 0.05s}. */
  static String seconds(Duration d) {
    return new BigDecimal(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9))
        .stripTrailingZeros().toPlainString() + "s";
  }

  private static String string(String key, @Nullable Object value) {
    if (!(value instanceof String)) {
      throw new IllegalArgumentException(key + ": " + describe(value) + " (expected: a string)");
    }
    return (String) value;
  }

  private static String describe(@Nullable Object value) {
    return value instanceof String ? "'" + value + "'" : String.valueOf(value);
  }

  /** True when an owned load balancer built for {@code other} would be built the same way. */
  boolean sameLoadBalancerAs(PolicyConfig other) {
    return Objects.equals(name(strategy), name(other.strategy))
        && Objects.equals(slowStart, other.slowStart);
  }

  private static @Nullable String name(@Nullable Strategy s) {
    return s == null ? null : s.name();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof PolicyConfig)) {
      return false;
    }
    PolicyConfig that = (PolicyConfig) o;
    return sameLoadBalancerAs(that) && deadlineExceededIsFailure == that.deadlineExceededIsFailure;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name(strategy), slowStart, deadlineExceededIsFailure);
  }

  @Override
  public String toString() {
    return "PolicyConfig{strategy=" + name(strategy) + ", slowStart=" + slowStart
        + ", deadlineExceededIsFailure=" + deadlineExceededIsFailure + '}';
  }
}
