package dev.lbclient.okhttp;

import static java.util.Objects.requireNonNull;

import dev.lbclient.Endpoint;
import dev.lbclient.Hedging;
import dev.lbclient.LoadBalancer;
import dev.lbclient.Pick;
import dev.lbclient.RequestContext;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * An OkHttp 5 <b>application</b> interceptor that spreads calls to logical service names over the
 * endpoints of a {@link LoadBalancer}, retries them elsewhere when that is safe, and reports every
 * outcome so failing servers are avoided.
 *
 * <pre>{@code
 * OkHttpClient client = new OkHttpClient.Builder()
 *     .addInterceptor(LoadBalancingInterceptor.builder().service("orders", orders).build())
 *     .build();
 * client.newCall(new Request.Builder().url("http://orders/items/42").build()).execute();
 * }</pre>
 *
 * <p>A request whose URL host is a registered service name is <em>balanced</em>; any other request
 * passes through untouched. Register it with {@code OkHttpClient.Builder.addInterceptor}, not as
 * a network interceptor.
 *
 * <p><b>Routing.</b> The URL keeps the logical host, so TLS SNI, hostname verification and
 * certificate pinning use the logical name and are never weakened; only the port is rewritten,
 * when the endpoint's differs. The call proceeds with {@code chain.withDns(...)}: one cached {@code
 * Dns} per endpoint resolves the logical name to that endpoint (an IP literal without a lookup, a
 * hostname through the client's own {@code Dns}) and every other name through the client's {@code
 * Dns}. OkHttp's connection pool keys on the {@code Dns}, so each endpoint keeps its own pooled
 * connections. Balanced calls, and the redirects they follow, connect directly ({@code
 * Proxy.NO_PROXY}): through a proxy the pick would not decide where the call goes.
 *
 * <p><b>Outcomes.</b> Connect failures, timeouts and 5xx responses other than 501 and 505 are
 * failures of the endpoint (outlier detection, circuit breaker); a 429, or a 503 with a positive
 * {@code Retry-After}, takes the endpoint out of rotation with {@link LoadBalancer#penalize} for
 * that long (a 429 without one: 1 second; at most 5 minutes) and counts neither way; every other
 * status is a success. The latency is the time to the response headers; the call stays in flight
 * until its response body is closed or read to the end (at once for a response without a body).
 * A cancelled call counts neither way, as do errors of the client's own making (a cleartext call
 * the client forbids, a missing request body file), which are not retried. A response served from OkHttp's cache, or by another host
 * after a redirect, is not the endpoint's outcome: it counts as cancelled or as the endpoint's
 * successful redirect.
 *
 * <p><b>Load reports.</b> A response's {@code endpoint-load-metrics} header (ORCA's TEXT, JSON or
 * BIN form) or {@code endpoint-load-metrics-bin} header goes to the endpoint's lease ({@link
 * dev.lbclient.Pick#reportLoad}), for {@code Strategy.weightedByLoadReports()}; a malformed value
 * is ignored. Trailers are not read.
 *
 * <p><b>Retries.</b> Through the load balancer's {@link LoadBalancer#retryPolicy()} (attempts,
 * backoff) and {@link LoadBalancer#retryThrottle()} (budget), each to an endpoint not tried yet
 * when one exists. A request is retried after an {@link IOException} when its method is
 * idempotent (GET, HEAD, OPTIONS, PUT, DELETE, TRACE), or, for any method, when OkHttp had not
 * started writing the attempt's request headers (a connection refused, a connect timeout, an
 * unresolvable endpoint hostname, a TLS handshake that failed before any request byte), which a
 * per-call {@code EventListener} observes. A 502, 503 or 504 is retried for idempotent methods. A
 * request is never retried when its body is one-shot or duplex, after a certificate or hostname
 * verification failure (as OkHttp itself), once the call is cancelled, or when the backoff would
 * pass the call's timeout. If every attempt failed with an exception, the last one is thrown with
 * the earlier ones suppressed; if the last attempt got a 5xx response, that response is returned.
 * A backoff blocks the calling thread (for an asynchronous call, a dispatcher thread). For a
 * non-idempotent request OkHttp's own {@code retryOnConnectionFailure} is turned off, as it would
 * send the request again after a failure on a reused connection even once the server has read
 * it; OkHttp still checks a pooled connection's health before it sends such a request on it.
 *
 * <p><b>Hedged requests</b>, when the load balancer has a {@link dev.lbclient.HedgingPolicy}: for
 * idempotent methods with a replayable body, each attempt is a clone of the caller's call (so
 * application interceptors registered before this one see each attempt). The first runs on the
 * calling thread; after the policy's delay without an answer, a hedge to an endpoint not tried
 * yet is enqueued on the client's {@code Dispatcher} (it counts against {@code
 * maxRequestsPerHost}, by logical host: raise it for hedged services), while attempts, the
 * hedging budget and the call's timeout allow. The first response wins, whatever its status; the
 * other clones are cancelled and count as cancelled. Every clone has the caller's deadline, and
 * cancelling the caller's call cancels them. A failure with no attempt outstanding is retried
 * under the retry policy as above.
 *
 * <p><b>Which endpoint served a response</b>: {@link #endpointOf(Response)}. For hashing
 * strategies, tag the request with a {@link RequestContext}: {@code new
 * Request.Builder().tag(RequestContext.class, RequestContext.withKey(userId))}.
 *
 * <p><b>Redirects</b> are followed by OkHttp below this interceptor: a redirect to another host is
 * not balanced again and OkHttp strips {@code Authorization} as usual; a redirect to the same
 * logical host stays on the same endpoint. If no endpoint can be picked, the call fails with an
 * {@link IOException} whose cause is the core's {@code NoEndpointAvailableException}. Nothing is
 * logged but service names, endpoint addresses, methods and redacted URLs; never header values.
 *
 * <p>Instances are immutable and thread-safe; one may serve any number of clients and calls.
 */
public final class LoadBalancingInterceptor implements Interceptor {
  /** Methods that may be sent again after the request was (perhaps) received (RFC 9110 9.2.2). */
  static final Set<String> IDEMPOTENT_METHODS =
      Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

  private final Map<String, LoadBalancer> services;
  private final Sleeper sleeper;
  private final EndpointDnsCache dnsCache = new EndpointDnsCache();
  /**
   * The attempts of hedged calls (clones of the caller's call, by identity) and the lease each
   * must use; weak, so a clone that never runs does not stay.
   */
  private final Map<Call, Pick> assigned = Collections.synchronizedMap(new WeakHashMap<>());

  private LoadBalancingInterceptor(Builder b) {
    this.services = Map.copyOf(b.services);
    this.sleeper = b.sleeper;
  }

  /** Starts building an interceptor; register at least one service. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The endpoint that served {@code response}, or {@code null} when the request was not balanced,
   * the response came from another host after a redirect, or from OkHttp's cache.
   */
  public static @Nullable Endpoint endpointOf(Response response) {
    requireNonNull(response, "response");
    Request request = response.request();
    Routed routed = request.tag(Routed.class);
    if (routed == null || !routed.host.equals(request.url().host())) {
      return null;
    }
    if (response.networkResponse() == null && response.cacheResponse() != null) {
      return null;
    }
    return routed.endpoint;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    String host = request.url().host();
    LoadBalancer lb = services.get(host);
    if (lb == null) {
      return chain.proceed(request);
    }
    Hedging hedging = lb.hedging();
    Pick pick = hedging == null ? null : assigned.remove(chain.call());
    if (pick == null && hedging != null && !chain.call().isCanceled()
        && IDEMPOTENT_METHODS.contains(request.method())) {
      RequestBody body = request.body();
      if (body == null || (!body.isOneShot() && !body.isDuplex())) {
        return new HedgedCall(chain, lb, hedging, host, assigned).run();
      }
    }
    return new BalancedCall(chain, lb, host, sleeper, dnsCache, pick).run();
  }

  /** Dns instances cached, for tests. */
  EndpointDnsCache dnsCache() {
    return dnsCache;
  }

  @Override
  public String toString() {
    return "LoadBalancingInterceptor" + services.keySet();
  }

  /** The request tag that records which endpoint an attempt went to. */
  static final class Routed {
    final Endpoint endpoint;
    final String host;

    Routed(Endpoint endpoint, String host) {
      this.endpoint = endpoint;
      this.host = host;
    }

    @Override
    public String toString() {
      return host + " -> " + endpoint.address();
    }
  }

  /**
   * Configures a {@link LoadBalancingInterceptor}. Each setter checks its argument at once. Not
   * thread-safe: use one builder from one thread.
   */
  public static final class Builder {
    private final Map<String, LoadBalancer> services = new LinkedHashMap<>();
    private Sleeper sleeper = Sleeper.SYSTEM;

    private Builder() {}

    /**
     * Balances requests whose URL host is {@code name} over {@code loadBalancer}'s endpoints. The
     * name is a host name as it appears in URLs ({@code orders}, {@code orders.internal}); it is
     * matched case-insensitively and need not equal {@link LoadBalancer#serviceName()}.
     *
     * @throws IllegalArgumentException if {@code name} is not a valid URL host
     * @throws IllegalStateException if {@code name} is already registered
     */
    public Builder service(String name, LoadBalancer loadBalancer) {
      requireNonNull(name, "name");
      requireNonNull(loadBalancer, "loadBalancer");
      String host = hostOf(name);
      LoadBalancer previous = services.get(host);
      if (previous != null) {
        throw new IllegalStateException(
            "service '" + host + "' was already registered with " + previous);
      }
      services.put(host, loadBalancer);
      return this;
    }

    /** How retries wait their backoff; tests record the wait instead of sleeping. */
    Builder sleeper(Sleeper sleeper) {
      this.sleeper = requireNonNull(sleeper, "sleeper");
      return this;
    }

    /**
     * Builds the interceptor.
     *
     * @throws IllegalStateException if no service was registered
     */
    public LoadBalancingInterceptor build() {
      if (services.isEmpty()) {
        throw new IllegalStateException(
            "no service registered (call service(name, loadBalancer) before build())");
      }
      return new LoadBalancingInterceptor(this);
    }

    private static String hostOf(String name) {
      HttpUrl url = name.isEmpty() ? null : HttpUrl.parse("http://" + name + "/");
      String lower = name.toLowerCase(Locale.ROOT);
      if (url == null || !url.host().equals(lower)) {
        throw new IllegalArgumentException("service name: '" + name
            + "' (expected: a host name as in a URL, e.g. orders or orders.internal)");
      }
      return lower;
    }
  }
}
