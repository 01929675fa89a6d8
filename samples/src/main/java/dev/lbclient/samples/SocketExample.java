package dev.lbclient.samples;

import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.Strategy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The selector API with a plain socket client, the way you would wrap any client that takes a
 * host and a port (a JDBC URL, a Redis or memcached client, a raw protocol).
 *
 * <p>{@code execute} picks an endpoint, runs the call, reports how it went (latency, success or
 * failure) and retries an {@link IOException} once or twice on another endpoint.
 */
public final class SocketExample {
  private SocketExample() {}

  /** Sends one line to a line-based echo service and returns its answer. */
  static String ask(LoadBalancer echo, String line) throws IOException {
    return echo.execute(endpoint -> {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), 1_000);
        socket.setSoTimeout(2_000);
        Writer out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
        out.write(line + "\n");
        out.flush();
        BufferedReader in = new BufferedReader(
            new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        return in.readLine();
      }
    });
  }

  /** The same with a JDBC-style client: build the URL from the chosen endpoint. */
  static String jdbcUrlFor(LoadBalancer db) {
    // With a real driver: try (Pick pick = db.pick(); Connection c = DriverManager.getConnection(
    //     url(pick.endpoint()))) { ...; pick.success(); }
    return db.execute(endpoint -> "jdbc:postgresql://" + endpoint.address() + "/orders");
  }

  public static void main(String[] args) throws IOException {
    try (LoadBalancer echo = LoadBalancer.builder("echo")
        .endpoints(EndpointSource.of(args.length > 0 ? args : new String[] {"127.0.0.1:7"}))
        .strategy(Strategy.leastConnections())
        .build()) {
      System.out.println(ask(echo, "hello"));
    }
  }
}
