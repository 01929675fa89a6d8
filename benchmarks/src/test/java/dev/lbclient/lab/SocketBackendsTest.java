package dev.lbclient.lab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.LoadReport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The lab's backends report their load the way a server using lb-client-server does. */
class SocketBackendsTest {

  @Test
  void response_carriesAParseableLoadReport() throws Exception {
    SocketBackends.Spec spec = new SocketBackends.Spec("b0",
        ServiceTime.fixed(Duration.ofMillis(1)), 4);
    try (SocketBackends backends = new SocketBackends(List.of(spec),
        Duration.ofSeconds(1).toNanos(), 1)) {
      int port = backends.backends().get(0).port();
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/work"))
          .timeout(Duration.ofSeconds(10)).build();

      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(200);
      Optional<String> header = response.headers().firstValue(LoadReport.HEADER);
      assertThat(header).isPresent();
      Optional<LoadReport> report = LoadReport.parse(header.get());
      assertThat(report).as(header.get()).isPresent();
      // The header is written as the response leaves: this call is still counted in flight.
      assertThat(report.get().inFlight()).isEqualTo(1);
      assertThat(backends.backends().get(0).tracker.inFlight()).isZero();
    }
  }
}
