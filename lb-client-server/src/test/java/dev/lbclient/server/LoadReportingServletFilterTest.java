package dev.lbclient.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.LoadReport;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Jakarta Servlet filter in a real servlet container (Jetty 12, ee10) on loopback. */
class LoadReportingServletFilterTest {
  private final AtomicLong now = new AtomicLong();
  private final ServerLoadTracker tracker = ServerLoadTracker.builder().ticker(now::get)
      .cpuUtilization(() -> 0.5).build();
  private final HttpClient client = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicReference<AsyncContext> held = new AtomicReference<>();
  private final CountDownLatch asyncStarted = new CountDownLatch(1);
  /** Counted down after the filter under test saw the async request complete. */
  private final CountDownLatch asyncCompleted = new CountDownLatch(1);
  private Server server;

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  private URI start() throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    ServletHolder servlet = new ServletHolder(new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        switch (req.getPathInfo()) {
          case "/fail":
            resp.sendError(500);
            return;
          case "/async":
            held.set(req.startAsync());
            asyncStarted.countDown();
            return;
          default:
            resp.getWriter().write("ok");
        }
      }
    });
    servlet.setAsyncSupported(true);
    context.addServlet(servlet, "/*");
    // An outer filter registers its listener after the inner one's: listeners run in the order
    // they were added, so this one hears of completion after the filter under test did.
    Filter outer = (req, resp, chain) -> {
      chain.doFilter(req, resp);
      if (req.isAsyncStarted()) {
        req.getAsyncContext().addListener(new AsyncListener() {
          @Override
          public void onComplete(AsyncEvent event) {
            asyncCompleted.countDown();
          }

          @Override
          public void onTimeout(AsyncEvent event) {}

          @Override
          public void onError(AsyncEvent event) {}

          @Override
          public void onStartAsync(AsyncEvent event) {}
        });
      }
    };
    FilterHolder outerHolder = new FilterHolder(outer);
    outerHolder.setAsyncSupported(true);
    context.addFilter(outerHolder, "/*", EnumSet.of(DispatcherType.REQUEST));
    FilterHolder filter = new FilterHolder(new LoadReportingServletFilter(tracker));
    filter.setAsyncSupported(true);
    context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
    server.setHandler(context);
    server.start();
    return URI.create("http://127.0.0.1:" + connector.getLocalPort());
  }

  private CompletableFuture<HttpResponse<String>> send(URI base, String path) {
    return client.sendAsync(HttpRequest.newBuilder(base.resolve(path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static LoadReport report(HttpResponse<String> r) {
    return LoadReport.parse(r.headers().firstValue(LoadReport.HEADER).orElseThrow()).orElseThrow();
  }

  @Test
  void filter_writesTheHeader_countingErrorsAndAsyncRequestsUntilTheyComplete() throws Exception {
    URI base = start();

    assertThat(report(send(base, "/").get(10, TimeUnit.SECONDS)).inFlight()).isEqualTo(1);
    HttpResponse<String> failed = send(base, "/fail").get(10, TimeUnit.SECONDS);
    assertThat(failed.statusCode()).isEqualTo(500);

    CompletableFuture<HttpResponse<String>> async = send(base, "/async");
    assertThat(asyncStarted.await(10, TimeUnit.SECONDS)).isTrue();
    // the held request still counts while the servlet has returned
    assertThat(report(send(base, "/").get(10, TimeUnit.SECONDS)).inFlight()).isEqualTo(2);
    assertThat(tracker.inFlight()).isEqualTo(1);

    AsyncContext ctx = held.get();
    ctx.getResponse().getWriter().write("late");
    ctx.complete();
    assertThat(async.get(10, TimeUnit.SECONDS).body()).isEqualTo("late");
    assertThat(report(async.get()).inFlight()).isEqualTo(1);

    // onComplete may run on the container's thread just after the response went out
    assertThat(asyncCompleted.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(tracker.inFlight()).isZero();
    now.addAndGet(1_000_000_000L);
    LoadReport later = tracker.report();
    assertThat(later.rpsFractional()).isEqualTo(4.0); // "/", "/fail", "/", "/async"
    assertThat(later.eps()).isEqualTo(1.0);
    assertThat(later.inFlight()).isZero();
  }
}
