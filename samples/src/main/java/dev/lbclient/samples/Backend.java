package dev.lbclient.samples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lbclient.Endpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A demo backend on 127.0.0.1: answers {@code GET /work} after a fixed delay, answers 503 while
 * the run's progress is inside its failing window, and stops listening once the progress passes
 * its stop point. The demo drives progress from 0 to 1.
 */
final class Backend {
  static {
    // Without TCP_NODELAY, small responses wait ~40 ms for delayed ACKs (Nagle's algorithm).
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  final String role;
  final Endpoint endpoint;
  private final HttpServer server;
  private final ExecutorService executor;
  private final long delayMillis;
  private final double failFrom;
  private final double failUntil;
  private final double stopAt;
  private volatile double progress;
  private volatile boolean stopped;

  private Backend(String role, HttpServer server, ExecutorService executor, long delayMillis,
      double failFrom, double failUntil, double stopAt) {
    this.role = role;
    this.server = server;
    this.executor = executor;
    this.delayMillis = delayMillis;
    this.failFrom = failFrom;
    this.failUntil = failUntil;
    this.stopAt = stopAt;
    this.endpoint = Endpoint.of("127.0.0.1", server.getAddress().getPort());
  }

  /**
   * Starts a backend; a negative {@code failFrom} never fails, a negative {@code stopAt} never
   * stops.
   */
  static Backend start(String role, long delayMillis, double failFrom, double failUntil,
      double stopAt) throws IOException {
    HttpServer server = HttpServer.create(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    ExecutorService executor = Executors.newFixedThreadPool(16, r -> {
      Thread t = new Thread(r, "demo-backend-" + role);
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    Backend backend = new Backend(role, server, executor, delayMillis, failFrom, failUntil,
        stopAt);
    server.createContext("/work", backend::handle);
    server.start();
    return backend;
  }

  void progress(double done) {
    progress = done;
    if (stopAt >= 0 && done >= stopAt && !stopped) {
      stop();
    }
  }

  synchronized void stop() {
    if (!stopped) {
      stopped = true;
      server.stop(0);
      executor.shutdownNow();
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      exchange.getRequestBody().readAllBytes();
      try {
        Thread.sleep(delayMillis); // the backend's service time
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      double p = progress;
      boolean failing = failFrom >= 0 && p >= failFrom && p < failUntil;
      byte[] body = (failing ? "overloaded\n" : "done by " + role + "\n")
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(failing ? 503 : 200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
