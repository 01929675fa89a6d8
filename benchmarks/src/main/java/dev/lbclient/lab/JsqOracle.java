package dev.lbclient.lab;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Response;

/**
 * The socket lab's {@code oracle.jsq}: join the shortest queue, knowing every backend's true
 * outstanding work, which no real client knows: the requests each backend holds (in service and
 * queued, abandoned ones included: a stalled backend's pile grows) plus those on their way to it.
 * Ties go to the next backend in turn. As in the simulation, it bounds what balancing alone can do
 * for the load; it is not a strategy anyone can deploy.
 */
final class JsqOracle implements Interceptor {
  /** Marks a request the oracle sent, so that its backend counts it once it has arrived. */
  static final String HEADER = "X-Lab-Oracle";

  private final List<SocketBackends.Backend> backends;
  private final AtomicInteger turn = new AtomicInteger();

  JsqOracle(List<SocketBackends.Backend> backends) {
    this.backends = List.copyOf(backends);
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    int n = backends.size();
    int start = Math.floorMod(turn.getAndIncrement(), n);
    SocketBackends.Backend best = null;
    int least = Integer.MAX_VALUE;
    for (int k = 0; k < n; k++) {
      SocketBackends.Backend b = backends.get((start + k) % n);
      int outstanding = b.outstanding();
      if (outstanding < least) {
        least = outstanding;
        best = b;
      }
    }
    best.arriving.incrementAndGet();
    HttpUrl url = chain.request().url().newBuilder()
        .host("127.0.0.1")
        .port(best.port())
        .build();
    return chain.proceed(chain.request().newBuilder().url(url).header(HEADER, "1").build());
  }
}
