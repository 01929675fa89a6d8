package dev.lbclient.okhttp;

import dev.lbclient.Endpoint;
import dev.lbclient.LoadBalancer;
import dev.lbclient.NoEndpointAvailableException;
import dev.lbclient.Pick;
import dev.lbclient.RequestContext;
import dev.lbclient.RetryPolicy;
import dev.lbclient.RetryRefusedException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Proxy;
import java.net.UnknownServiceException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Timeout;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One balanced call: its attempts, their leases and the retry decisions. Lives on the calling
 * thread for one {@link LoadBalancingInterceptor#intercept} and is never shared.
 */
final class BalancedCall {
  private static final Logger log = LoggerFactory.getLogger(LoadBalancingInterceptor.class);
  /**
   * The call timeout's clock starts a little before this interceptor runs, so our estimate of the
   * deadline is a little late; a cancellation this close to it (at most a quarter of the timeout)
   * is taken for the timeout firing.
   */
  static final long TIMEOUT_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(25);

  private final Interceptor.Chain chain;
  private final LoadBalancer lb;
  private final String host;
  private final Sleeper sleeper;
  private final EndpointDnsCache dnsCache;
  private final Request request;
  private final Call call;
  private final RequestContext context;
  private final boolean idempotent;
  private final boolean replayable;
  private final @Nullable SendTracker tracker;
  private final boolean hasDeadline;
  private final long deadlineNanos;
  private final long timeoutSlackNanos;
  private final List<Endpoint> tried;
  /** The lease a {@link HedgedCall} assigned to this attempt: sent there once, never retried. */
  private final @Nullable Pick assigned;
  private final List<IOException> earlier = new ArrayList<>(0);
  private @Nullable RetryRefusedException refusal;
  private long backoffNanos;

  BalancedCall(Interceptor.Chain chain, LoadBalancer lb, String host, Sleeper sleeper,
      EndpointDnsCache dnsCache, @Nullable Pick assigned) {
    this.assigned = assigned;
    this.chain = chain;
    this.lb = lb;
    this.host = host;
    this.sleeper = sleeper;
    this.dnsCache = dnsCache;
    this.request = chain.request();
    this.call = chain.call();
    RequestContext ctx = request.tag(RequestContext.class);
    this.context = ctx != null ? ctx : RequestContext.none();
    this.idempotent = LoadBalancingInterceptor.IDEMPOTENT_METHODS.contains(request.method());
    RequestBody body = request.body();
    this.replayable = body == null || (!body.isOneShot() && !body.isDuplex());
    if (!idempotent && replayable && lb.retryPolicy().maxAttempts() > 1) {
      tracker = new SendTracker();
      call.addEventListener(tracker);
    } else {
      tracker = null;
    }
    long now = System.nanoTime();
    Timeout timeout = call.timeout();
    long timeoutNanos = timeout.timeoutNanos();
    boolean has = timeoutNanos > 0;
    long deadline = has ? now + timeoutNanos : 0;
    if (timeout.hasDeadline() && (!has || timeout.deadlineNanoTime() - deadline < 0)) {
      deadline = timeout.deadlineNanoTime();
      has = true;
    }
    this.hasDeadline = has;
    this.deadlineNanos = deadline;
    this.timeoutSlackNanos = timeoutNanos > 0
        ? Math.min(TIMEOUT_SLACK_NANOS, timeoutNanos / 4) : TIMEOUT_SLACK_NANOS;
    this.tried = new ArrayList<>(lb.retryPolicy().maxAttempts());
  }

  Response run() throws IOException {
    if (assigned == null) {
      lb.retryThrottle().onRequest();
    }
    Interceptor.Chain direct = chain.withProxy(Proxy.NO_PROXY);
    if (!idempotent) {
      // OkHttp's own recovery re-sends any method after a failure on a reused connection, even
      // once the server has read the request; a non-idempotent request is sent at most once per
      // attempt, and our retries happen only when not one byte of it was written.
      direct = direct.withRetryOnConnectionFailure(false);
    }
    // A retryable 5xx kept open while the next endpoint is picked: returned if none can be.
    Response retained = null;
    try {
      for (int attempt = 1; ; attempt++) {
        Pick pick;
        try {
          pick = assigned != null ? assigned
              : tried.isEmpty() ? lb.pick(context) : lb.pick(context, tried);
        } catch (NoEndpointAvailableException | IllegalStateException e) {
          if (retained != null) {
            Response last = retained;
            retained = null;
            return last;
          }
          IOException noPick = new IOException(e.getMessage(), e);
          if (earlier.isEmpty()) {
            throw noPick;
          }
          IOException last = earlier.remove(earlier.size() - 1);
          last.addSuppressed(noPick);
          throw finish(last);
        }
        if (retained != null) {
          retained.close();
          retained = null;
        }
        Endpoint endpoint = pick.endpoint();
        tried.add(endpoint);
        int sentBefore = tracker != null ? tracker.headersStarted() : 0;
        Response response;
        try {
          response = direct.withDns(dnsCache.get(host, endpoint, chain.getDns()))
              .proceed(attemptRequest(endpoint));
        } catch (IOException e) {
          if ((call.isCanceled() && !timedOut()) || isClientSide(e)) {
            pick.cancel();
            throw finish(e);
          }
          pick.failure(e);
          if (!retryable(e, sentBefore) || !mayRetry(attempt, endpoint, e)) {
            throw finish(e);
          }
          earlier.add(e);
          backoff();
          continue;
        } catch (RuntimeException | Error e) {
          pick.cancel();
          throw e;
        }
        pick.recordLatency();

        if (!host.equals(response.request().url().host())) {
          // Redirected to another host: this endpoint's part, the redirect, went well.
          pick.success();
          return response;
        }
        if (response.networkResponse() == null && response.cacheResponse() != null) {
          pick.cancel();
          return response;
        }
        ServerLoad.report(response, pick);
        int code = response.code();
        Duration penalty = ResponseClass.penalty(response);
        if (penalty != null) {
          lb.penalize(endpoint, penalty);
        }
        HttpStatusException failure = penalty == null && ResponseClass.isFailure(code)
            ? new HttpStatusException(code, host, endpoint) : null;
        boolean neutral = penalty != null;
        if (ResponseClass.isRetryable(code) && idempotent && replayable) {
          IOException cause = failure != null ? failure : new HttpStatusException(code, host,
              endpoint);
          if (mayRetry(attempt, endpoint, cause)) {
            complete(pick, failure, neutral);
            earlier.add(cause);
            retained = response;
            backoff();
            continue;
          }
        }
        return leased(response, pick, failure, neutral);
      }
    } catch (IOException | RuntimeException | Error e) {
      if (retained != null) {
        retained.close();
      }
      throw e;
    }
  }

  private Request attemptRequest(Endpoint endpoint) {
    HttpUrl url = request.url();
    if (url.port() != endpoint.port()) {
      url = url.newBuilder().port(endpoint.port()).build();
    }
    return request.newBuilder()
        .url(url)
        .tag(LoadBalancingInterceptor.Routed.class, new LoadBalancingInterceptor.Routed(endpoint,
            host))
        .build();
  }

  /** Whether the request may be sent again after {@code e}, on grounds of safety alone. */
  private boolean retryable(IOException e, int sentBefore) {
    if (!replayable || isCertificateFailure(e)) {
      return false;
    }
    if (idempotent) {
      return true;
    }
    // Not idempotent: only if not one byte of this attempt's request was written.
    return tracker != null && tracker.headersStarted() == sentBefore;
  }

  /**
   * Whether a retry may follow attempt {@code attempt}: attempts left, the call not cancelled, the
   * backoff within the call's timeout, and a token from the retry budget (taken last, only when
   * the retry will happen). Sets the backoff to wait.
   */
  private boolean mayRetry(int attempt, Endpoint endpoint, IOException cause) {
    RetryPolicy policy = lb.retryPolicy();
    if (assigned != null || attempt >= policy.maxAttempts() || call.isCanceled()) {
      return false;
    }
    long backoff = policy.backoffNanos(attempt);
    if (hasDeadline && backoff >= deadlineNanos - System.nanoTime()) {
      return false;
    }
    if (!lb.retryThrottle().tryRetry(endpoint, attempt, cause)) {
      refusal = new RetryRefusedException("retry refused for " + lb.serviceName()
          + ": the retry budget is exhausted (" + policy.budget() + ")");
      log.debug("{}: {} {} not retried after {} on {}: retry budget exhausted", host,
          request.method(), request.url().redact(), cause.getClass().getSimpleName(),
          endpoint.address());
      return false;
    }
    log.debug("{}: retrying {} {} after {} on {} (attempt {} of {})", host, request.method(),
        request.url().redact(), cause.getClass().getSimpleName(), endpoint.address(), attempt + 1,
        policy.maxAttempts());
    backoffNanos = backoff;
    return true;
  }

  private void backoff() throws IOException {
    if (backoffNanos > 0) {
      try {
        sleeper.sleepNanos(backoffNanos);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        InterruptedIOException interrupted =
            new InterruptedIOException("interrupted during the retry backoff");
        interrupted.initCause(e);
        throw finish(interrupted);
      }
    }
    if (call.isCanceled()) {
      throw finish(new IOException("Canceled"));
    }
  }

  /** The call timed out (rather than being cancelled by the caller). */
  private boolean timedOut() {
    return hasDeadline && System.nanoTime() - (deadlineNanos - timeoutSlackNanos) >= 0;
  }

  /** {@code last} with the earlier attempts' errors and any budget refusal attached. */
  private IOException finish(IOException last) {
    for (IOException e : earlier) {
      if (e != last) {
        last.addSuppressed(e);
      }
    }
    earlier.clear();
    if (refusal != null) {
      last.addSuppressed(refusal);
      refusal = null;
    }
    return last;
  }

  private Response leased(Response response, Pick pick, @Nullable Throwable failure,
      boolean neutral) {
    if (!promisesBody(response)) {
      complete(pick, failure, neutral);
      return response;
    }
    return response.newBuilder()
        .body(new LeasedResponseBody(response.body(), pick, call, failure, neutral))
        .build();
  }

  private static void complete(Pick pick, @Nullable Throwable failure, boolean neutral) {
    if (failure != null) {
      pick.failure(failure);
    } else if (neutral) {
      pick.cancel();
    } else {
      pick.success();
    }
  }

  /** Whether the response has a body to read (RFC 9110 6.4.1), as OkHttp decides it. */
  private static boolean promisesBody(Response response) {
    if ("HEAD".equals(response.request().method())) {
      return false;
    }
    int code = response.code();
    if (code < 200 || code == 204 || code == 304) {
      return false;
    }
    return response.body().contentLength() != 0;
  }

  /**
   * Certificate and hostname verification failures: never retried, as OkHttp does not either; a
   * misconfigured or impostor server is a failure of that endpoint.
   */
  static boolean isCertificateFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSLPeerUnverifiedException || t instanceof CertificateException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /**
   * Errors of the client's own making: a protocol the client is configured to refuse (cleartext
   * not permitted), a request body file that is missing. Not the endpoint's fault; not retried.
   */
  private static boolean isClientSide(IOException e) {
    return e instanceof UnknownServiceException || e instanceof FileNotFoundException;
  }
}
