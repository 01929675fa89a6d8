package dev.lbclient.okhttp;

import static dev.lbclient.okhttp.Fixtures.closeAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.HealthCheck;
import dev.lbclient.HealthChecker;
import dev.lbclient.LoadBalancer;
import dev.lbclient.LoadBalancerListener;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpHealthCheckerTest {
  private final List<AutoCloseable> resources = new ArrayList<>();
  /** Generous: a TLS handshake on a loaded 2-core machine can take a second. */
  private static final Duration TEN_S = Duration.ofSeconds(10);

  private final OkHttpClient client = Fixtures.client().build();

  @AfterEach
  void tearDown() throws Exception {
    closeAll(resources);
  }

  private Backend backend(String address) throws Exception {
    Backend b = Backend.start(address);
    resources.add(b);
    return b;
  }

  private static boolean probe(HealthChecker checker, Endpoint endpoint) throws Exception {
    return checker.check(endpoint).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void check_statusInRange_healthy_requestsThePathOnTheEndpoint() throws Exception {
    Backend b = backend("127.0.0.2");
    HttpHealthChecker checker =
        HttpHealthChecker.builder(client).path("/health?deep=1").timeout(TEN_S).build();

    assertThat(probe(checker, b.endpoint())).isTrue();

    RecordedRequest r = b.requests.peek();
    assertThat(r.getMethod()).isEqualTo("GET");
    assertThat(r.getTarget()).isEqualTo("/health?deep=1");
    assertThat(r.getHeaders().get("Host")).isEqualTo("127.0.0.2:" + b.port());
  }

  @Test
  void check_statusOutOfRange_unhealthy() throws Exception {
    Backend b = backend("127.0.0.1");
    b.answer(r -> Backend.status(503));
    HttpHealthChecker checker =
        HttpHealthChecker.builder(client).path("/health").timeout(TEN_S).build();

    assertThat(probe(checker, b.endpoint())).isFalse();
  }

  @Test
  void check_redirect_notFollowed_judgedByItsStatus() throws Exception {
    Backend b = backend("127.0.0.1");
    b.answer(r -> new MockResponse.Builder().code(302).setHeader("Location", "/login").build());

    HttpHealthChecker lenient = HttpHealthChecker.builder(client).timeout(TEN_S).build();
    HttpHealthChecker strict =
        HttpHealthChecker.builder(client).expectedStatus(200, 299).timeout(TEN_S).build();

    assertThat(probe(lenient, b.endpoint())).isTrue();
    assertThat(probe(strict, b.endpoint())).isFalse();
    assertThat(b.hits.get()).isEqualTo(2);
  }

  @Test
  void check_connectionRefused_completesExceptionally() throws Exception {
    Backend b = backend("127.0.0.1");
    Endpoint dead = b.endpoint();
    b.close();
    HttpHealthChecker checker = HttpHealthChecker.builder(client).timeout(TEN_S).build();

    assertThatThrownBy(() -> probe(checker, dead))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(ConnectException.class);
  }

  @Test
  void check_slowerThanTimeout_completesExceptionally() throws Exception {
    Backend b = backend("127.0.0.1");
    b.answer(r -> new MockResponse.Builder().headersDelay(30, TimeUnit.SECONDS).build());
    HttpHealthChecker checker = HttpHealthChecker.builder(client)
        .timeout(Duration.ofMillis(200)).build();

    assertThatThrownBy(() -> probe(checker, b.endpoint()))
        .isInstanceOf(ExecutionException.class);
  }

  @Test
  void check_abandonedByCaller_cancelsTheCall() throws Exception {
    Backend b = backend("127.0.0.1");
    CountDownLatch arrived = new CountDownLatch(1);
    b.answer(r -> {
      arrived.countDown();
      return new MockResponse.Builder().headersDelay(30, TimeUnit.SECONDS).build();
    });
    CountDownLatch cancelled = new CountDownLatch(1);
    OkHttpClient observed = Fixtures.client().eventListener(new EventListener() {
      @Override
      public void canceled(Call call) {
        cancelled.countDown();
      }
    }).build();
    HttpHealthChecker checker = HttpHealthChecker.builder(observed)
        .timeout(Duration.ofSeconds(60)).build();

    CompletableFuture<Boolean> probe = checker.check(b.endpoint()).toCompletableFuture();
    assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
    probe.completeExceptionally(new TimeoutException("runner gave up"));

    assertThat(cancelled.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void check_https_usesServerNameForSniAndVerification() throws Exception {
    HeldCertificate root = new HeldCertificate.Builder().certificateAuthority(0).build();
    HeldCertificate cert = new HeldCertificate.Builder()
        .addSubjectAlternativeName("orders.internal").signedBy(root).build();
    HandshakeCertificates server =
        new HandshakeCertificates.Builder().heldCertificate(cert).build();
    HandshakeCertificates trust = new HandshakeCertificates.Builder()
        .addTrustedCertificate(root.certificate()).build();
    Backend b = Backend.start("127.0.0.2", 0, server.sslSocketFactory());
    resources.add(b);
    OkHttpClient tlsClient = Fixtures.client()
        .sslSocketFactory(trust.sslSocketFactory(), trust.trustManager()).build();

    assertThat(probe(HttpHealthChecker.builder(tlsClient).https("orders.internal")
        .path("/health").timeout(TEN_S).build(), b.endpoint())).isTrue();
    assertThat(b.requests.peek().getHandshakeServerNames()).containsExactly("orders.internal");

    assertThatThrownBy(() -> probe(HttpHealthChecker.builder(tlsClient)
        .https("payments.internal").timeout(TEN_S).build(), b.endpoint()))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(javax.net.ssl.SSLPeerUnverifiedException.class);
  }

  @Test
  void check_clientWithTheBalancer_probeNotRebalanced() throws Exception {
    Backend probed = backend("127.0.0.1");
    Backend other = backend("127.0.0.2");
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(other.endpoint())).build();
    resources.add(lb);
    OkHttpClient balanced = Fixtures.client(LoadBalancingInterceptor.builder()
        .service("127.0.0.1", lb).build());

    HttpHealthChecker checker = HttpHealthChecker.builder(balanced).timeout(TEN_S).build();

    assertThat(probe(checker, probed.endpoint())).isTrue();

    assertThat(probed.hits.get()).isEqualTo(1);
    assertThat(other.hits.get()).isZero();
  }

  @Test
  void healthCheck_failingProbes_takeTheEndpointOutOfRotation() throws Exception {
    Backend sick = backend("127.0.0.1");
    Backend well = backend("127.0.0.2");
    sick.answer(r -> r.getTarget().equals("/health") ? Backend.status(500) : Backend.ok(r));
    CountDownLatch unhealthy = new CountDownLatch(1);
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(sick.endpoint(), well.endpoint()))
        .healthCheck(HealthCheck.builder(
                HttpHealthChecker.builder(client).path("/health").timeout(TEN_S).build())
            .interval(Duration.ofMillis(50))
            .timeout(TEN_S)
            .unhealthyThreshold(2)
            .build())
        .panicThreshold(0)
        .listener(new LoadBalancerListener() {
          @Override
          public void onHealthChanged(String service, Endpoint endpoint, boolean healthy) {
            if (!healthy && endpoint.sameAddress(sick.endpoint())) {
              unhealthy.countDown();
            }
          }
        })
        .build();
    resources.add(lb);

    assertThat(unhealthy.await(10, TimeUnit.SECONDS)).isTrue();
    // The listener runs under the load balancer's update lock just before the new picker is
    // published; any call that takes that lock (a penalty for an unknown endpoint, ignored)
    // returns only once the picker without the sick endpoint is out.
    lb.penalize(Endpoint.of("192.0.2.1", 1), Duration.ZERO);
    OkHttpClient calls = Fixtures.client(LoadBalancingInterceptor.builder()
        .service("orders", lb).build());
    for (int i = 0; i < 10; i++) {
      assertThat(Fixtures.get(calls, "http://orders/work")).isEqualTo("200 ok");
    }

    assertThat(sick.requests).extracting(RecordedRequest::getTarget).doesNotContain("/work");
    assertThat(well.requests).extracting(RecordedRequest::getTarget).contains("/work");
  }

  @Test
  void builder_path_relative() {
    assertThatThrownBy(() -> HttpHealthChecker.builder(client).path("health"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("path: 'health' (expected: an absolute path such as /health)");
  }

  @Test
  void builder_path_anotherHost() {
    assertThatThrownBy(() -> HttpHealthChecker.builder(client).path("//evil.example/health"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("path: '//evil.example/health' (expected: an absolute path such as /health)");
  }

  @Test
  void builder_path_twice() {
    HttpHealthChecker.Builder builder = HttpHealthChecker.builder(client).path("/health");

    assertThatThrownBy(() -> builder.path("/ready"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("path was already set to /health");
  }

  @Test
  void builder_expectedStatus_invalid() {
    assertThatThrownBy(() -> HttpHealthChecker.builder(client).expectedStatus(300, 200))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expectedStatus: 300..200 (expected: 100 <= min <= max <= 599)");
    assertThatThrownBy(() -> HttpHealthChecker.builder(client).expectedStatus(200, 600))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expectedStatus: 200..600 (expected: 100 <= min <= max <= 599)");
  }

  @Test
  void builder_expectedStatus_twice() {
    HttpHealthChecker.Builder builder = HttpHealthChecker.builder(client).expectedStatus(200, 299);

    assertThatThrownBy(() -> builder.expectedStatus(200, 399))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("expectedStatus was already set to 200..299");
  }

  @Test
  void builder_timeout_outOfRange() {
    assertThatThrownBy(() -> HttpHealthChecker.builder(client).timeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout: PT0S (expected: PT0.001S..PT1M)");
    assertThatThrownBy(() -> HttpHealthChecker.builder(client).timeout(Duration.ofMinutes(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout: PT2M (expected: PT0.001S..PT1M)");
  }

  @Test
  void builder_https_invalidServerName() {
    assertThatThrownBy(() -> HttpHealthChecker.builder(client).https("orders.internal:443"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("serverName: 'orders.internal:443' (expected: a host name as in a URL, e.g. "
            + "orders.internal)");
  }

  @Test
  void builder_nullClient() {
    assertThatThrownBy(() -> HttpHealthChecker.builder(null))
        .isInstanceOf(NullPointerException.class).hasMessage("client");
  }
}
