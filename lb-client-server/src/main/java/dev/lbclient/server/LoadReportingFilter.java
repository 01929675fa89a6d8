package dev.lbclient.server;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import dev.lbclient.LoadReport;
import java.io.IOException;

/**
 * A JDK {@code HttpServer} filter that counts each exchange in a {@link ServerLoadTracker} and
 * sets the response's {@value LoadReport#HEADER} header to the load as of the exchange's arrival
 * (this exchange counted in flight). A 5xx response or an exception counts as an error.
 *
 * <pre>{@code
 * HttpContext context = server.createContext("/", handler);
 * context.getFilters().add(new LoadReportingFilter(ServerLoadTracker.create()));
 * }</pre>
 *
 * <p>Thread-safe; one filter may serve every context of a server.
 */
public final class LoadReportingFilter extends Filter {
  private final ServerLoadTracker tracker;

  /** A filter reporting through {@code tracker}. */
  public LoadReportingFilter(ServerLoadTracker tracker) {
    this.tracker = requireNonNull(tracker, "tracker");
  }

  /** The tracker this filter reports through. */
  public ServerLoadTracker tracker() {
    return tracker;
  }

  @Override
  public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
    long start = tracker.begin();
    boolean error = true;
    try {
      exchange.getResponseHeaders().set(LoadReport.HEADER, tracker.headerValue());
      chain.doFilter(exchange);
      error = exchange.getResponseCode() >= 500;
    } finally {
      tracker.end(start, error);
    }
  }

  @Override
  public String description() {
    return "writes the " + LoadReport.HEADER + " response header";
  }
}
