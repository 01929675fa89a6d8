package dev.lbclient.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * fabric8's Kubernetes mock API server in CRUD mode (it stores what clients create and serves lists
 * and watches of it), on plain HTTP on 127.0.0.1, with a count of the watches open on the server
 * side. No real API server can be installed on the build machines, so this stands in for one.
 */
final class MockApiServer implements AutoCloseable {
  /** Held so that the level sticks: the mock logs every request at INFO through JUL. */
  private static final java.util.logging.Logger MOCK_LOG = quiet("io.fabric8.mockwebserver");

  private final KubernetesMockServer server;
  private final int port;
  private final ExecutorService closer = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "mock-watch-close");
    t.setDaemon(true);
    return t;
  });
  private final Object watchLock = new Object();
  private int openWatches; // guarded by watchLock

  private MockApiServer(int port) throws Exception {
    this.server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new CountingDispatcher(), false);
    server.init(InetAddress.getByName("127.0.0.1"), port);
    this.port = server.getPort();
  }

  private static java.util.logging.Logger quiet(String name) {
    java.util.logging.Logger l = java.util.logging.Logger.getLogger(name);
    l.setLevel(java.util.logging.Level.WARNING);
    return l;
  }

  /** A server on a free port. */
  static MockApiServer start() throws Exception {
    return new MockApiServer(0);
  }

  /** A new, empty server on the same port as this one (which must be closed first). */
  MockApiServer restart() throws Exception {
    return new MockApiServer(port);
  }

  /**
   * A client of this server. Watches and lists are retried after 100 ms, doubling (fabric8's
   * defaults: 1 s for watches, and each request retried 10 times, which makes a refused list fail
   * only after some 20 s), so that the outage tests take a few seconds.
   */
  KubernetesClient newClient() {
    return server.createClient(b -> b.editOrNewConfig()
        .withMasterUrl("http://127.0.0.1:" + port + "/")
        .withWatchReconnectInterval(100)
        .withRequestRetryBackoffLimit(1)
        .withRequestRetryBackoffInterval(100)
        .withRequestTimeout(5_000)
        .withConnectionTimeout(2_000)
        .endConfig());
  }

  /** Watches open on the server now. */
  int openWatches() {
    synchronized (watchLock) {
      return openWatches;
    }
  }

  /** Waits until exactly {@code n} watches are open on the server. */
  void awaitOpenWatches(int n, Duration timeout) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (watchLock) {
      while (openWatches != n) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimeoutException("open watches: " + openWatches + " (expected: " + n + ")");
        }
        watchLock.wait(Math.max(1, left / 1_000_000));
      }
    }
  }

  private void watchOpened(int delta) {
    synchronized (watchLock) {
      openWatches += delta;
      watchLock.notifyAll();
    }
  }

  @Override
  public void close() {
    server.destroy();
    closer.shutdown();
  }

  /** The CRUD dispatcher, with each watch's WebSocket listener wrapped to count it. */
  private final class CountingDispatcher extends KubernetesCrudDispatcher {
    @Override
    public MockResponse handleWatch(String path) {
      MockResponse response = super.handleWatch(path);
      WebSocketListener inner = response.getWebSocketListener();
      return inner == null ? response : response.withWebSocketUpgrade(new Counting(inner));
    }
  }

  private final class Counting extends WebSocketListener {
    private final WebSocketListener inner;
    private final AtomicBoolean open = new AtomicBoolean();

    Counting(WebSocketListener inner) {
      this.inner = inner;
    }

    @Override
    public void onBeforeAccept(WebSocket webSocket, Response response) {
      inner.onBeforeAccept(webSocket, response);
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      if (open.compareAndSet(false, true)) {
        watchOpened(1);
      }
      inner.onOpen(webSocket, response);
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      inner.onMessage(webSocket, text);
    }

    @Override
    public void onMessage(WebSocket webSocket, byte[] bytes) {
      inner.onMessage(webSocket, bytes);
    }

    @Override
    public void onPing(WebSocket webSocket, byte[] bytes) {
      inner.onPing(webSocket, bytes);
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      inner.onClosing(webSocket, code, reason);
    }

    // The mock's own onClosed and onFailure wait on the Vert.x event loop for the watch's send
    // thread to finish, and that thread may itself be waiting on the event loop for a write (the
    // first events of a watch closed as soon as it opened): a 30-second stall. Running them on
    // another thread leaves the event loop free to finish the write.

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      closer.execute(() -> {
        inner.onClosed(webSocket, code, reason);
        ended();
      });
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable t, Response response) {
      closer.execute(() -> {
        inner.onFailure(webSocket, t, response);
        ended();
      });
    }

    private void ended() {
      if (open.compareAndSet(true, false)) {
        watchOpened(-1);
      }
    }
  }
}
