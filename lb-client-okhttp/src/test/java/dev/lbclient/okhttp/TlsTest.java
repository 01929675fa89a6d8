package dev.lbclient.okhttp;

import static dev.lbclient.okhttp.Fixtures.closeAll;
import static dev.lbclient.okhttp.Fixtures.hits;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.EndpointSource;
import dev.lbclient.EndpointStats;
import dev.lbclient.LoadBalancer;
import dev.lbclient.RetryBudget;
import dev.lbclient.RetryPolicy;
import dev.lbclient.Strategy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HTTPS to endpoint IPs with certificates for the logical name (figure 12). */
class TlsTest {
  private static final String LOGICAL = "orders.internal";

  private final List<AutoCloseable> resources = new ArrayList<>();
  private HandshakeCertificates clientCerts;
  private List<Backend> good;
  private Backend impostor;
  private int port;

  @BeforeEach
  void setUp() throws Exception {
    HeldCertificate root = new HeldCertificate.Builder().certificateAuthority(0).build();
    HeldCertificate forLogicalName = new HeldCertificate.Builder()
        .addSubjectAlternativeName(LOGICAL).signedBy(root).build();
    HeldCertificate forAnotherName = new HeldCertificate.Builder()
        .addSubjectAlternativeName("payments.internal").signedBy(root).build();
    clientCerts = new HandshakeCertificates.Builder()
        .addTrustedCertificate(root.certificate()).build();
    HandshakeCertificates goodServer = new HandshakeCertificates.Builder()
        .heldCertificate(forLogicalName).build();
    good = Backend.samePort(goodServer.sslSocketFactory(), "127.0.0.1", "127.0.0.2");
    resources.addAll(good);
    port = good.get(0).port();
    HandshakeCertificates badServer = new HandshakeCertificates.Builder()
        .heldCertificate(forAnotherName).build();
    impostor = Backend.start("127.0.0.3", port, badServer.sslSocketFactory());
    resources.add(impostor);
  }

  @AfterEach
  void tearDown() throws Exception {
    closeAll(resources);
  }

  private LoadBalancer lb(List<Backend> backends) {
    LoadBalancer lb = LoadBalancer.builder(LOGICAL)
        .endpoints(EndpointSource.of(Fixtures.endpoints(backends)))
        .strategy(Strategy.roundRobin())
        .retryPolicy(RetryPolicy.builder().budget(RetryBudget.unlimited()).build())
        .noCircuitBreakers()
        .build();
    resources.add(lb);
    return lb;
  }

  private OkHttpClient client(LoadBalancer lb) {
    return Fixtures.client()
        .sslSocketFactory(clientCerts.sslSocketFactory(), clientCerts.trustManager())
        .addInterceptor(Fixtures.interceptor(LOGICAL, lb, new Fixtures.RecordingSleeper()))
        .build();
  }

  @Test
  void tls_certificateForLogicalName_verifiedWithSniAndOnePooledConnectionPerEndpoint()
      throws Exception {
    LoadBalancer lb = lb(good);
    OkHttpClient client = client(lb);

    for (int i = 0; i < 20; i++) {
      assertThat(Fixtures.get(client, "https://" + LOGICAL + ":" + port + "/")).isEqualTo("200 ok");
    }

    assertThat(hits(good)).containsExactly(10, 10);
    assertThat(client.connectionPool().connectionCount()).isEqualTo(2);
    for (Backend b : good) {
      RecordedRequest r = b.requests.peek();
      assertThat(r.getHandshake()).isNotNull();
      assertThat(r.getHandshakeServerNames()).containsExactly(LOGICAL);
      assertThat(r.getUrl().host()).isEqualTo(LOGICAL);
    }
  }

  @Test
  void tls_certificateForAnotherName_failsCountsAgainstThatEndpointAndIsNotRetried()
      throws Exception {
    List<Backend> all = new ArrayList<>(good);
    all.add(impostor);
    LoadBalancer lb = lb(all);
    OkHttpClient client = client(lb);

    int failed = 0;
    for (int i = 0; i < 30; i++) {
      try {
        Fixtures.get(client, "https://" + LOGICAL + ":" + port + "/");
      } catch (SSLPeerUnverifiedException e) {
        assertThat(e).hasMessageContaining(LOGICAL);
        failed++;
      } catch (IOException e) {
        throw new AssertionError("unexpected", e);
      }
    }

    EndpointStats impostorStats = Fixtures.stats(lb, impostor);
    assertThat(failed).isPositive();
    assertThat(impostorStats.failures()).isEqualTo(failed);
    assertThat(impostor.hits.get()).isZero();
    // Not retried: every call that failed reached no other endpoint.
    assertThat(good.get(0).hits.get() + good.get(1).hits.get()).isEqualTo(30 - failed);
    assertThat(Fixtures.stats(lb, good.get(0)).failures()).isZero();
    assertThat(Fixtures.inFlight(lb)).isZero();
  }
}
