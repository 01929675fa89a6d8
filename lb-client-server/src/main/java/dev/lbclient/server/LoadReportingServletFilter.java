package dev.lbclient.server;

import static java.util.Objects.requireNonNull;

import dev.lbclient.LoadReport;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * A Jakarta Servlet filter (Servlet 5 or later) that counts each request in a {@link
 * ServerLoadTracker} and sets the response's {@value LoadReport#HEADER} header to the load as of
 * the request's arrival (this request counted in flight). An asynchronous request is counted out
 * when it completes. A 5xx status or an exception counts as an error. Non-HTTP requests pass
 * through untouched.
 *
 * <p>Thread-safe. The no-argument constructor, for containers that instantiate filters, creates
 * its own tracker ({@link ServerLoadTracker#create()}).
 */
public final class LoadReportingServletFilter implements Filter {
  private final ServerLoadTracker tracker;

  /** A filter with its own tracker on the system clock and the JDK's CPU reading. */
  public LoadReportingServletFilter() {
    this(ServerLoadTracker.create());
  }

  /** A filter reporting through {@code tracker}. */
  public LoadReportingServletFilter(ServerLoadTracker tracker) {
    this.tracker = requireNonNull(tracker, "tracker");
  }

  /** The tracker this filter reports through. */
  public ServerLoadTracker tracker() {
    return tracker;
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (!(response instanceof HttpServletResponse)) {
      chain.doFilter(request, response);
      return;
    }
    HttpServletResponse http = (HttpServletResponse) response;
    long start = tracker.begin();
    boolean failed = true;
    boolean async = false;
    try {
      http.setHeader(LoadReport.HEADER, tracker.headerValue());
      chain.doFilter(request, response);
      failed = false;
      if (request.isAsyncStarted()) {
        request.getAsyncContext().addListener(new AsyncListener() {
          @Override
          public void onComplete(AsyncEvent event) {
            tracker.end(start, http.getStatus() >= 500);
          }

          @Override
          public void onTimeout(AsyncEvent event) {}

          @Override
          public void onError(AsyncEvent event) {}

          @Override
          public void onStartAsync(AsyncEvent event) {}
        });
        async = true;
      }
    } finally {
      if (!async) {
        tracker.end(start, failed || http.getStatus() >= 500);
      }
    }
  }
}
