package dev.lbclient.okhttp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

class ResponseClassTest {
  private static Response.Builder response(int code) {
    return new Response.Builder()
        .request(new Request.Builder().url("http://orders/").build())
        .protocol(Protocol.HTTP_1_1)
        .code(code)
        .message("m")
        .receivedResponseAtMillis(1_792_000_000_000L);
  }

  @Test
  void retryAfter_deltaSeconds() {
    assertThat(ResponseClass.retryAfter(response(503).header("Retry-After", "120").build()))
        .isEqualTo(Duration.ofSeconds(120));
  }

  @Test
  void retryAfter_httpDate_measuredFromTheDateHeader() {
    Response r = response(503)
        .header("Date", "Wed, 21 Oct 2026 07:28:00 GMT")
        .header("Retry-After", "Wed, 21 Oct 2026 07:29:30 GMT")
        .build();

    assertThat(ResponseClass.retryAfter(r)).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void retryAfter_httpDate_withoutDateHeader_measuredFromArrival() {
    // 1_792_000_000_000 ms is Wed, 14 Oct 2026 17:46:40 GMT.
    Response r = response(503).header("Retry-After", "Wed, 14 Oct 2026 17:46:50 GMT").build();

    assertThat(ResponseClass.retryAfter(r)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void retryAfter_inThePast_zero() {
    Response r = response(503)
        .header("Date", "Wed, 21 Oct 2026 07:28:00 GMT")
        .header("Retry-After", "Wed, 21 Oct 2026 07:00:00 GMT")
        .build();

    assertThat(ResponseClass.retryAfter(r)).isEqualTo(Duration.ZERO);
    assertThat(ResponseClass.penalty(r)).isNull();
  }

  @Test
  void retryAfter_huge_cappedAtFiveMinutes() {
    assertThat(ResponseClass.retryAfter(response(503).header("Retry-After", "86400").build()))
        .isEqualTo(Duration.ofMinutes(5));
    assertThat(ResponseClass.retryAfter(
        response(503).header("Retry-After", "99999999999999999999").build()))
        .isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void retryAfter_garbage_null() {
    assertThat(ResponseClass.retryAfter(response(503).header("Retry-After", "soon").build()))
        .isNull();
    assertThat(ResponseClass.retryAfter(response(503).header("Retry-After", "-5").build()))
        .isNull();
    assertThat(ResponseClass.retryAfter(response(503).build())).isNull();
  }

  @Test
  void penalty_429WithoutUsableRetryAfter_oneSecond() {
    assertThat(ResponseClass.penalty(response(429).build())).isEqualTo(Duration.ofSeconds(1));
    assertThat(ResponseClass.penalty(response(429).header("Retry-After", "soon").build()))
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(ResponseClass.penalty(response(429).header("Retry-After", "7").build()))
        .isEqualTo(Duration.ofSeconds(7));
  }

  @Test
  void penalty_503OnlyWithPositiveRetryAfter() {
    assertThat(ResponseClass.penalty(response(503).build())).isNull();
    assertThat(ResponseClass.penalty(response(503).header("Retry-After", "0").build())).isNull();
    assertThat(ResponseClass.penalty(response(503).header("Retry-After", "3").build()))
        .isEqualTo(Duration.ofSeconds(3));
    assertThat(ResponseClass.penalty(response(502).header("Retry-After", "3").build())).isNull();
  }

  @Test
  void failureAndRetryable_table() {
    assertThat(ResponseClass.isFailure(499)).isFalse();
    assertThat(ResponseClass.isFailure(500)).isTrue();
    assertThat(ResponseClass.isFailure(501)).isFalse();
    assertThat(ResponseClass.isFailure(505)).isFalse();
    assertThat(ResponseClass.isFailure(599)).isTrue();
    assertThat(ResponseClass.isRetryable(500)).isFalse();
    assertThat(ResponseClass.isRetryable(502)).isTrue();
    assertThat(ResponseClass.isRetryable(503)).isTrue();
    assertThat(ResponseClass.isRetryable(504)).isTrue();
    assertThat(ResponseClass.isRetryable(429)).isFalse();
  }
}
