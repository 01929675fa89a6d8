package dev.lbclient.okhttp;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.EndpointStats;
import dev.lbclient.LoadBalancer;
import dev.lbclient.Strategy;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** Shared helpers for the OkHttp tests. */
final class Fixtures {
  private Fixtures() {}

  /** A sleeper that records each backoff and returns at once. */
  static final class RecordingSleeper implements Sleeper {
    final List<Long> sleeps = new CopyOnWriteArrayList<>();

    @Override
    public void sleepNanos(long nanos) {
      sleeps.add(nanos);
    }
  }

  static LoadBalancer roundRobin(String name, List<Backend> backends) {
    return LoadBalancer.builder(name)
        .endpoints(EndpointSource.of(endpoints(backends)))
        .strategy(Strategy.roundRobin())
        .build();
  }

  static Endpoint[] endpoints(List<Backend> backends) {
    Endpoint[] out = new Endpoint[backends.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = backends.get(i).endpoint();
    }
    return out;
  }

  static LoadBalancingInterceptor interceptor(String name, LoadBalancer lb, Sleeper sleeper) {
    return LoadBalancingInterceptor.builder().service(name, lb).sleeper(sleeper).build();
  }

  /** A client with bounded timeouts so no test can hang. */
  static OkHttpClient.Builder client() {
    return new OkHttpClient.Builder()
        .connectTimeout(Duration.ofSeconds(5))
        .readTimeout(Duration.ofSeconds(10))
        .callTimeout(Duration.ofSeconds(20));
  }

  static OkHttpClient client(LoadBalancingInterceptor interceptor) {
    return client().addInterceptor(interceptor).build();
  }

  /** GET and read the body; returns "code body". */
  static String get(OkHttpClient client, String url) throws IOException {
    try (Response r = client.newCall(new Request.Builder().url(url).build()).execute()) {
      return r.code() + " " + r.body().string();
    }
  }

  static int[] hits(List<Backend> backends) {
    int[] out = new int[backends.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = backends.get(i).hits.get();
    }
    return out;
  }

  static int inFlight(LoadBalancer lb) {
    int sum = 0;
    for (EndpointStats s : lb.stats()) {
      sum += s.inFlight();
    }
    return sum;
  }

  static EndpointStats stats(LoadBalancer lb, Backend backend) {
    for (EndpointStats s : lb.stats()) {
      if (s.endpoint().sameAddress(backend.endpoint())) {
        return s;
      }
    }
    throw new AssertionError("no stats for " + backend);
  }

  static void closeAll(List<? extends AutoCloseable> resources) throws Exception {
    List<Exception> errors = new ArrayList<>();
    for (AutoCloseable c : resources) {
      try {
        c.close();
      } catch (Exception e) {
        errors.add(e);
      }
    }
    if (!errors.isEmpty()) {
      throw errors.get(0);
    }
  }
}
