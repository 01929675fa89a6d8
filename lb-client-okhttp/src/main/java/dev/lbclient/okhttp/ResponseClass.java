package dev.lbclient.okhttp;

import java.time.Duration;
import java.util.Date;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * What a response from an endpoint means for the endpoint and for retrying.
 *
 * <table>
 *   <caption>Status codes</caption>
 *   <tr><th>status</th><th>endpoint outcome</th><th>penalty</th><th>retried</th></tr>
 *   <tr><td>1xx-4xx but 429</td><td>success</td><td>-</td><td>no</td></tr>
 *   <tr><td>429</td><td>none</td><td>Retry-After, else 1 s</td><td>no</td></tr>
 *   <tr><td>500</td><td>failure</td><td>-</td><td>no</td></tr>
 *   <tr><td>501, 505</td><td>success</td><td>-</td><td>no</td></tr>
 *   <tr><td>502, 504</td><td>failure</td><td>-</td><td>idempotent</td></tr>
 *   <tr><td>503</td><td>failure</td><td>-</td><td>idempotent</td></tr>
 *   <tr><td>503 + Retry-After &gt; 0</td><td>none</td><td>Retry-After</td><td>idempotent</td></tr>
 *   <tr><td>506-599</td><td>failure</td><td>-</td><td>no</td></tr>
 * </table>
 *
 * <p>501 (Not Implemented) and 505 (HTTP Version Not Supported) say the request asked for
 * something this server does not do, not that the server is unwell, so they do not count against
 * it. Penalties are capped at {@link #MAX_PENALTY}.
 */
final class ResponseClass {
  /** Penalty for a 429 without a usable Retry-After. */
  static final Duration DEFAULT_429_PENALTY = Duration.ofSeconds(1);
  /** The longest penalty a Retry-After can impose. */
  static final Duration MAX_PENALTY = Duration.ofMinutes(5);

  private ResponseClass() {}

  static boolean isFailure(int code) {
    return code >= 500 && code <= 599 && code != 501 && code != 505;
  }

  static boolean isRetryable(int code) {
    return code == 502 || code == 503 || code == 504;
  }

  /**
   * The time the server asked this endpoint to be left alone: for a 429 its Retry-After or {@link
   * #DEFAULT_429_PENALTY}; for a 503 a positive Retry-After; otherwise {@code null}. A penalized
   * response counts neither as a success nor as a failure.
   */
  static @Nullable Duration penalty(Response response) {
    int code = response.code();
    if (code == 429) {
      Duration d = retryAfter(response);
      return d != null && !d.isZero() ? d : DEFAULT_429_PENALTY;
    }
    if (code == 503) {
      Duration d = retryAfter(response);
      return d != null && !d.isZero() ? d : null;
    }
    return null;
  }

  /**
   * Retry-After as delta-seconds or an HTTP-date (RFC 9110 10.2.3), clamped to [0, {@link
   * #MAX_PENALTY}]; {@code null} when absent or unparseable. A date is measured from the
   * response's own {@code Date} header when present (no clock skew), else from when the response
   * arrived.
   */
  static @Nullable Duration retryAfter(Response response) {
    String value = response.header("Retry-After");
    if (value == null) {
      return null;
    }
    String v = value.strip();
    if (!v.isEmpty() && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      if (v.length() > 9) {
        return MAX_PENALTY;
      }
      return clamp(Duration.ofSeconds(Long.parseLong(v)));
    }
    Date at = response.headers().getDate("Retry-After");
    if (at == null) {
      return null;
    }
    Date serverNow = response.headers().getDate("Date");
    long base = serverNow != null ? serverNow.getTime() : response.receivedResponseAtMillis();
    return clamp(Duration.ofMillis(Math.max(0, at.getTime() - base)));
  }

  private static Duration clamp(Duration d) {
    return d.compareTo(MAX_PENALTY) > 0 ? MAX_PENALTY : d;
  }
}
