package dev.lbclient.okhttp;

import dev.lbclient.Endpoint;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import javax.net.ServerSocketFactory;
import javax.net.ssl.SSLSocketFactory;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/** A loopback test server that counts its requests and answers with a replaceable function. */
final class Backend implements AutoCloseable {
  final MockWebServer server = new MockWebServer();
  final String address;
  final AtomicInteger hits = new AtomicInteger();
  final ConcurrentLinkedQueue<RecordedRequest> requests = new ConcurrentLinkedQueue<>();
  private volatile Function<RecordedRequest, MockResponse> answer = r -> ok(r);

  private Backend(String address) {
    this.address = address;
    server.setServerSocketFactory(NO_DELAY);
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        hits.incrementAndGet();
        requests.add(request);
        return answer.apply(request);
      }
    });
  }

  /**
   * Accepted sockets with TCP_NODELAY: MockWebServer writes a response's headers and body
   * separately, and Nagle's algorithm against the client's delayed ACK costs 40 ms per response.
   */
  private static final ServerSocketFactory NO_DELAY = new ServerSocketFactory() {
    @Override
    public ServerSocket createServerSocket() throws IOException {
      return new ServerSocket() {
        @Override
        public Socket accept() throws IOException {
          Socket s = super.accept();
          s.setTcpNoDelay(true);
          return s;
        }
      };
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
      throw new UnsupportedOperationException();
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
      throw new UnsupportedOperationException();
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress address)
        throws IOException {
      throw new UnsupportedOperationException();
    }
  };

  /** A backend on {@code address} at any free port. */
  static Backend start(String address) throws IOException {
    return start(address, 0, null);
  }

  static Backend start(String address, int port, SSLSocketFactory tls) throws IOException {
    Backend b = new Backend(address);
    if (tls != null) {
      b.server.useHttps(tls);
    }
    b.server.start(InetAddress.getByName(address), port);
    return b;
  }

  /**
   * One backend on each address, all at the same port. Bounded retries when another process
   * holds the port on one of the addresses.
   */
  static List<Backend> samePort(SSLSocketFactory tls, String... addresses) throws IOException {
    BindException last = null;
    for (int attempt = 0; attempt < 10; attempt++) {
      List<Backend> started = new ArrayList<>();
      try {
        Backend first = start(addresses[0], 0, tls);
        started.add(first);
        for (int i = 1; i < addresses.length; i++) {
          started.add(start(addresses[i], first.port(), tls));
        }
        return started;
      } catch (BindException e) {
        last = e;
        for (Backend b : started) {
          b.close();
        }
      }
    }
    throw last;
  }

  static MockResponse ok(RecordedRequest r) {
    return new MockResponse.Builder().body("ok").build();
  }

  static MockResponse status(int code) {
    return new MockResponse.Builder().code(code).body("status " + code).build();
  }

  void answer(Function<RecordedRequest, MockResponse> answer) {
    this.answer = answer;
  }

  int port() {
    return server.getPort();
  }

  Endpoint endpoint() {
    return Endpoint.of(address, port());
  }

  @Override
  public void close() {
    server.close();
  }

  @Override
  public String toString() {
    return address + ":" + server.getPort();
  }
}
