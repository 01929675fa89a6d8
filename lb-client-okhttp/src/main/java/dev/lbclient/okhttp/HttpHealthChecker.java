package dev.lbclient.okhttp;

import static java.util.Objects.requireNonNull;

import dev.lbclient.Endpoint;
import dev.lbclient.HealthChecker;
import java.io.IOException;
import java.net.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * An active HTTP health probe for {@link dev.lbclient.HealthCheck}: a GET of a path on the
 * endpoint itself, healthy when the status is in the expected range.
 *
 * <pre>{@code
 * HealthChecker http = HttpHealthChecker.builder(okHttpClient)
 *     .path("/health")
 *     .expectedStatus(200, 399)
 *     .build();
 * LoadBalancer orders = LoadBalancer.builder("orders")
 *     .endpoints(...)
 *     .healthCheck(HealthCheck.of(http))
 *     .build();
 * }</pre>
 *
 * <p>By default the probe requests {@code http://host:port/path} with the endpoint's own host and
 * port. With {@link Builder#https(String)} it requests {@code https://serverName:port/path}
 * routed to the endpoint (as {@link LoadBalancingInterceptor} routes calls), so TLS SNI and the
 * certificate check use that name; certificate checks are never relaxed. Probes connect
 * directly (no proxy), do not follow redirects (a 3xx is the answer), and give up after the
 * timeout; any {@link LoadBalancingInterceptor} of the given client is left out so a probe is
 * never re-balanced. Probes share the client's dispatcher and connection pool and are
 * asynchronous ({@code Call.enqueue}): {@link #check(Endpoint)} never blocks, and a probe that the
 * health-check runner abandons is cancelled.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class HttpHealthChecker implements HealthChecker {
  private final OkHttpClient client;
  private final String path;
  private final int minStatus;
  private final int maxStatus;
  private final Duration timeout;
  private final @Nullable String serverName;

  private HttpHealthChecker(Builder b) {
    this.path = b.path != null ? b.path : Builder.DEFAULT_PATH;
    this.minStatus = b.minStatus > 0 ? b.minStatus : Builder.DEFAULT_MIN_STATUS;
    this.maxStatus = b.minStatus > 0 ? b.maxStatus : Builder.DEFAULT_MAX_STATUS;
    this.timeout = b.timeout != null ? b.timeout : Builder.DEFAULT_TIMEOUT;
    this.serverName = b.serverName;
    OkHttpClient.Builder cb = b.client.newBuilder()
        .proxy(Proxy.NO_PROXY)
        .followRedirects(false)
        .callTimeout(timeout);
    cb.interceptors().removeIf(i -> i instanceof LoadBalancingInterceptor);
    cb.networkInterceptors().removeIf(i -> i instanceof LoadBalancingInterceptor);
    if (serverName != null) {
      cb.addInterceptor(new EndpointRouting(serverName));
    }
    this.client = cb.build();
  }

  /**
   * Starts building a checker that sends its probes with (a derivative of) {@code client}.
   */
  public static Builder builder(OkHttpClient client) {
    return new Builder(requireNonNull(client, "client"));
  }

  @Override
  public CompletionStage<Boolean> check(Endpoint endpoint) {
    requireNonNull(endpoint, "endpoint");
    HttpUrl base = new HttpUrl.Builder()
        .scheme(serverName != null ? "https" : "http")
        .host(serverName != null ? serverName : endpoint.host())
        .port(endpoint.port())
        .build();
    Request request = new Request.Builder()
        .url(requireNonNull(base.resolve(path)))
        .tag(Endpoint.class, endpoint)
        .build();
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    Call call;
    try {
      call = client.newCall(request);
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return result;
    }
    // Completed from outside (the runner's timeout, a cancellation): stop the probe.
    result.whenComplete((healthy, error) -> {
      if (error != null) {
        call.cancel();
      }
    });
    call.enqueue(new Callback() {
      @Override
      public void onResponse(Call c, Response response) {
        try (response) {
          int code = response.code();
          result.complete(code >= minStatus && code <= maxStatus);
        }
      }

      @Override
      public void onFailure(Call c, IOException e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  @Override
  public String toString() {
    return "http{" + (serverName != null ? "https://" + serverName : "http://endpoint") + path
        + ", status " + minStatus + ".." + maxStatus + ", timeout " + timeout + '}';
  }

  /** Routes a probe for {@code serverName} to the endpoint in its tag. */
  private static final class EndpointRouting implements Interceptor {
    private final String serverName;
    private final EndpointDnsCache dnsCache = new EndpointDnsCache();

    EndpointRouting(String serverName) {
      this.serverName = serverName;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
      Endpoint endpoint = chain.request().tag(Endpoint.class);
      if (endpoint == null) {
        return chain.proceed(chain.request());
      }
      return chain.withDns(dnsCache.get(serverName, endpoint, chain.getDns()))
          .proceed(chain.request());
    }
  }

  /**
   * Configures an {@link HttpHealthChecker}. Each setter checks its argument at once and may be
   * called once. Not thread-safe: use one builder from one thread.
   */
  public static final class Builder {
    static final String DEFAULT_PATH = "/";
    static final int DEFAULT_MIN_STATUS = 200;
    static final int DEFAULT_MAX_STATUS = 399;
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    private static final HttpUrl PROBE_BASE = HttpUrl.get("http://probe.invalid/");

    private final OkHttpClient client;
    private @Nullable String path;
    private int minStatus;
    private int maxStatus;
    private @Nullable Duration timeout;
    private @Nullable String serverName;

    private Builder(OkHttpClient client) {
      this.client = client;
    }

    /**
     * The path (and optional query) to request; default {@code /}.
     *
     * @throws IllegalArgumentException unless it starts with a single {@code /} and is a valid
     *     path
     * @throws IllegalStateException if already set
     */
    public Builder path(String path) {
      requireNonNull(path, "path");
      if (this.path != null) {
        throw new IllegalStateException("path was already set to " + this.path);
      }
      HttpUrl resolved = path.startsWith("/") && !path.startsWith("//")
          ? PROBE_BASE.resolve(path) : null;
      if (resolved == null || !resolved.host().equals(PROBE_BASE.host())) {
        throw new IllegalArgumentException(
            "path: '" + path + "' (expected: an absolute path such as /health)");
      }
      this.path = path;
      return this;
    }

    /**
     * The statuses that mean healthy, both ends included; default 200 to 399.
     *
     * @throws IllegalArgumentException unless {@code 100 <= min <= max <= 599}
     * @throws IllegalStateException if already set
     */
    public Builder expectedStatus(int min, int max) {
      if (minStatus > 0) {
        throw new IllegalStateException(
            "expectedStatus was already set to " + minStatus + ".." + maxStatus);
      }
      if (min < 100 || max > 599 || min > max) {
        throw new IllegalArgumentException(
            "expectedStatus: " + min + ".." + max + " (expected: 100 <= min <= max <= 599)");
      }
      this.minStatus = min;
      this.maxStatus = max;
      return this;
    }

    /**
     * How long a probe may take in all (OkHttp's call timeout); default 1 second. The {@link
     * dev.lbclient.HealthCheck}'s own timeout also applies.
     *
     * @throws IllegalArgumentException unless between 1 ms and 1 minute
     * @throws IllegalStateException if already set
     */
    public Builder timeout(Duration timeout) {
      requireNonNull(timeout, "timeout");
      if (this.timeout != null) {
        throw new IllegalStateException("timeout was already set to " + this.timeout);
      }
      if (timeout.compareTo(Duration.ofMillis(1)) < 0
          || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException("timeout: " + timeout + " (expected: PT0.001S..PT1M)");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Probes over HTTPS as {@code https://serverName:port/path}, routed to the endpoint: SNI and
     * certificate checks use {@code serverName} (the logical host the certificates are issued
     * for). Off by default (plain HTTP to the endpoint's host and port).
     *
     * @throws IllegalArgumentException if {@code serverName} is not a valid URL host
     * @throws IllegalStateException if already set
     */
    public Builder https(String serverName) {
      requireNonNull(serverName, "serverName");
      if (this.serverName != null) {
        throw new IllegalStateException("https was already set to " + this.serverName);
      }
      HttpUrl url = serverName.isEmpty() ? null : HttpUrl.parse("https://" + serverName + "/");
      if (url == null || !url.host().equalsIgnoreCase(serverName)) {
        throw new IllegalArgumentException("serverName: '" + serverName
            + "' (expected: a host name as in a URL, e.g. orders.internal)");
      }
      this.serverName = url.host();
      return this;
    }

    /** Builds the checker. */
    public HttpHealthChecker build() {
      return new HttpHealthChecker(this);
    }
  }
}
