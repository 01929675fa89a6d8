package dev.lbclient.overhead;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.Strategy;
import dev.lbclient.okhttp.LoadBalancingInterceptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * One JDK HTTP server on 127.0.0.1 answering {@code GET /ok} at once with a small body, and the
 * two OkHttp clients called against it: {@code plain} (the backend's address in the URL) and
 * {@code lbclient} (the same client settings plus {@link LoadBalancingInterceptor} with a
 * one-endpoint load balancer, URL host = the service name). Each row gets a fresh client (its own
 * connection pool and dispatcher, same settings), so no row inherits another's connections.
 */
final class OkHttpSide implements AutoCloseable {
  static final byte[] BODY = "ok\n".getBytes(StandardCharsets.UTF_8);
  static final String SERVICE = "backend";

  static {
    // The JDK server writes headers and body separately: without TCP_NODELAY the body waits
    // for the client's delayed ACK. Read once, when the server's config class loads.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final HttpServer server;
  private final int callers;
  private final Strategy strategy;

  OkHttpSide(int callers, Strategy strategy) throws IOException {
    this.callers = callers;
    this.strategy = strategy;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 1024);
    server.createContext("/ok", OkHttpSide::answer);
    // Null executor: the server's dispatcher thread answers; nothing else to wait for.
    server.setExecutor(null);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  Subject open(String target) {
    OkHttpClient base = baseClient();
    switch (target) {
      case Overhead.PLAIN:
        return calls(base, "http://127.0.0.1:" + port() + "/ok", null);
      case Overhead.LBCLIENT:
        LoadBalancer lb = LoadBalancer.builder(SERVICE)
            .endpoints(EndpointSource.of("127.0.0.1:" + port()))
            .strategy(strategy)
            .build();
        OkHttpClient client = base.newBuilder()
            .addInterceptor(LoadBalancingInterceptor.builder().service(SERVICE, lb).build())
            .build();
        return calls(client, "http://" + SERVICE + "/ok", lb);
      default:
        throw new IllegalArgumentException("okhttp target: " + target
            + " (expected: " + Overhead.PLAIN + " or " + Overhead.LBCLIENT + ")");
    }
  }

  /** The settings both rows share: pool, dispatcher limits, keep-alive, timeouts. */
  private OkHttpClient baseClient() {
    ExecutorService executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
        new SynchronousQueue<>(), r -> {
          Thread t = new Thread(r, "overhead-okhttp");
          t.setDaemon(true);
          return t;
        });
    Dispatcher dispatcher = new Dispatcher(executor);
    dispatcher.setMaxRequests(4 * callers);
    dispatcher.setMaxRequestsPerHost(4 * callers);
    return new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        // Keep-alive: every caller keeps its connection for the whole row.
        .connectionPool(new ConnectionPool(2 * callers, 5, TimeUnit.MINUTES))
        .callTimeout(10, TimeUnit.SECONDS)
        .build();
  }

  private static Subject calls(OkHttpClient client, String url, @Nullable LoadBalancer lb) {
    Request request = new Request.Builder().url(url).build();
    return new Subject() {
      @Override
      public void call() throws IOException {
        try (Response response = client.newCall(request).execute()) {
          response.body().bytes(); // read to the end, as callers do: the lease ends here
          if (response.code() != 200) {
            throw new IOException("status " + response.code() + " from " + url);
          }
        }
      }

      @Override
      public void close() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
        if (lb != null) {
          lb.close();
        }
      }
    };
  }

  private static void answer(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      in.readAllBytes();
    }
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(200, BODY.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(BODY);
    }
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
