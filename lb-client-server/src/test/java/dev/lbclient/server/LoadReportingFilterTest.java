package dev.lbclient.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.lbclient.LoadReport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The JDK HttpServer filter, on a real loopback server. */
class LoadReportingFilterTest {
  private final AtomicLong now = new AtomicLong();
  private final ServerLoadTracker tracker = ServerLoadTracker.builder().ticker(now::get)
      .cpuUtilization(() -> 0.5).build();
  private final HttpClient client = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private HttpServer server;

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private URI start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      int code = exchange.getRequestURI().getPath().equals("/fail") ? 503 : 200;
      byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(code, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }).getFilters().add(new LoadReportingFilter(tracker));
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private LoadReport get(URI base, String path) throws Exception {
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve(path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    String header = r.headers().firstValue(LoadReport.HEADER).orElseThrow();
    assertThat(header).startsWith("TEXT ");
    return LoadReport.parse(header).orElseThrow();
  }

  @Test
  void filter_writesTheHeader_countingTheExchangeAndItsErrors() throws Exception {
    URI base = start();

    LoadReport first = get(base, "/");
    assertThat(first.inFlight()).isEqualTo(1); // itself
    assertThat(first.cpuUtilization()).isEqualTo(0.5);
    get(base, "/fail");
    get(base, "/");
    now.addAndGet(1_000_000_000L);
    LoadReport later = get(base, "/");

    assertThat(later.rpsFractional()).isEqualTo(3.0);
    assertThat(later.eps()).isEqualTo(1.0);
    assertThat(later.inFlight()).isEqualTo(1);
  }
}
