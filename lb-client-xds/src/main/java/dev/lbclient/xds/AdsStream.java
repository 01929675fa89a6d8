package dev.lbclient.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ADS stream of a started {@link XdsEndpointSource}, shared by all its listeners: subscribe to
 * the cluster's {@code ClusterLoadAssignment}, ACK or NACK each response, deliver the endpoints,
 * and reconnect with backoff when the stream fails.
 *
 * <p>Concurrency: everything (gRPC callbacks, timers, listener registration and every delivery)
 * runs on one daemon thread, so the fields below need no lock and calls to a listener never
 * overlap. Other threads hand work over with {@link #runAndWait(Runnable)}.
 *
 * <p>Protocol (xDS v3, state of the world): the first request of each stream carries the last
 * accepted version and no nonce; every EDS response is answered with the response's nonce and
 * either its version (ACK) or the last accepted version and an {@code error_detail} (NACK). The
 * node is sent in every request, as Envoy does by default (java-control-plane reads it from each
 * one).
 */
final class AdsStream {
  static final String EDS_TYPE =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  private static final String RESOURCE_TYPE =
      "type.googleapis.com/envoy.service.discovery.v3.Resource";
  /** Lists up to this long are logged in full when they change. */
  private static final int LOG_LIST_LIMIT = 10;
  /** Responses up to this size are accepted (gRPC's default of 4 MiB is ~100k endpoints). */
  static final int MAX_RESPONSE_BYTES = 64 << 20;
  private static final Logger log = LoggerFactory.getLogger(XdsEndpointSource.class);

  private final XdsEndpointSource source;
  private final String description;
  private final ScheduledThreadPoolExecutor executor;
  private volatile @Nullable Thread thread;
  /** Calls back into our executor; drops what arrives after close instead of throwing. */
  private final Executor callExecutor;
  /** Completed by the first outcome: a list, a reported failure, or the initial-fetch timeout. */
  private final CompletableFuture<Void> firstOutcome = new CompletableFuture<>();
  private final CopyOnWriteArrayList<EndpointSource.Listener> listeners =
      new CopyOnWriteArrayList<>();
  /** Open subscriptions; guarded by the source's lock. */
  int subscriptions;

  // Confined to the executor thread.
  private boolean started;
  private boolean closed;
  private @Nullable ManagedChannel channel;
  private @Nullable ClientCall<DiscoveryRequest, DiscoveryResponse> call;
  private boolean callGotResponse;
  private long callStartNanos;
  private @Nullable ScheduledFuture<?> pending;
  private @Nullable ScheduledFuture<?> initialFetchTimer;
  private String acceptedVersion = "";
  private @Nullable List<Endpoint> lastGood;
  private long lastGoodNanos;
  private @Nullable String lastError;
  private @Nullable Throwable lastCause;
  /** Attempts in a row that ended before any response. */
  private int failures;
  /** The failures before the current stream's first response, for the recovery message. */
  private int failedAttempts;
  private final Set<String> warned = new HashSet<>();

  AdsStream(XdsEndpointSource source) {
    this.source = source;
    this.description = source.description();
    this.executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, XdsEndpointSource.THREAD_PREFIX + source.clusterName);
      t.setDaemon(true);
      thread = t;
      return t;
    });
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    executor.setRemoveOnCancelPolicy(true);
    this.callExecutor = task -> {
      try {
        executor.execute(task);
      } catch (RejectedExecutionException closedAlready) {
        // The stream is closed: its call was cancelled and nothing it says matters any more.
      }
    };
  }

  /**
   * Adds a listener: the first one opens the stream; a later one gets the current list, then the
   * current failure if any. Then waits (bounded by the initial-fetch timeout) for the stream's
   * first outcome.
   */
  void add(EndpointSource.Listener listener) {
    runAndWait(() -> {
      if (closed) {
        return;
      }
      listeners.add(listener);
      if (!started) {
        started = true;
        initialFetchTimer = executor.schedule(this::initialFetchExpired,
            source.initialFetchTimeoutNanos, TimeUnit.NANOSECONDS);
        connect();
        return;
      }
      List<Endpoint> good = lastGood;
      if (good != null) {
        deliver(listener, good);
      }
      String error = lastError;
      if (error != null) {
        deliverError(listener, error, lastCause);
      }
    });
    if (Thread.currentThread() == thread) {
      return; // started from a listener: waiting here would wait for ourselves
    }
    try {
      // The executor completes the future at the timeout; the margin only guards against a
      // listener that blocks the thread.
      firstOutcome.get(source.initialFetchTimeoutNanos + TimeUnit.SECONDS.toNanos(1),
          TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // Bounded wait is over; deliveries continue in the background.
    }
  }

  /** Stops delivering to {@code listener}; after this returns it gets no further call. */
  void remove(EndpointSource.Listener listener) {
    runAndWait(() -> listeners.remove(listener));
  }

  /** Cancels the stream, shuts down the channel if this source made it, and stops the thread. */
  void close() {
    ManagedChannel[] owned = new ManagedChannel[1];
    runAndWait(() -> {
      closed = true;
      listeners.clear();
      cancelPending();
      ScheduledFuture<?> timer = initialFetchTimer;
      if (timer != null) {
        timer.cancel(false);
      }
      ClientCall<DiscoveryRequest, DiscoveryResponse> c = call;
      call = null;
      if (c != null) {
        c.cancel("subscription closed", null);
      }
      if (channel != null && source.channel == null) {
        owned[0] = channel;
        channel.shutdownNow();
      }
      firstOutcome.complete(null);
    });
    executor.shutdown();
    if (Thread.currentThread() == thread) {
      return;
    }
    try {
      if (owned[0] != null) {
        owned[0].awaitTermination(5, TimeUnit.SECONDS);
      }
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The channel in use, for tests; {@code null} before the first connection. */
  @Nullable ManagedChannel channel() {
    return channel;
  }

  // ---------------------------------------------------------------- the stream

  private static MethodDescriptor<DiscoveryRequest, DiscoveryResponse> method() {
    return AggregatedDiscoveryServiceGrpc.getStreamAggregatedResourcesMethod();
  }

  private ManagedChannel channelToUse() {
    ManagedChannel c = channel;
    if (c == null) {
      c = source.channel;
      if (c == null) {
        // Keepalive as gRPC's own xDS client does: a silently dropped connection is noticed
        // within minutes, and the default server ping policy (5 min) accepts it.
        c = Grpc.newChannelBuilderForAddress(source.host, source.port,
                InsecureChannelCredentials.create())
            .keepAliveTime(5, TimeUnit.MINUTES)
            .userAgent("lb-client")
            .build();
      }
      channel = c;
    } else if (failures > 0) {
      // Our backoff decides when to try again, not the channel's own reconnect backoff.
      c.resetConnectBackoff();
    }
    return c;
  }

  private void connect() {
    pending = null;
    if (closed) {
      return;
    }
    ClientCall<DiscoveryRequest, DiscoveryResponse> c = null;
    try {
      c = channelToUse().newCall(method(), CallOptions.DEFAULT
          .withExecutor(callExecutor)
          .withMaxInboundMessageSize(MAX_RESPONSE_BYTES));
      call = c;
      callGotResponse = false;
      callStartNanos = System.nanoTime();
      c.start(new CallListener(c), new Metadata());
      c.request(1);
      c.sendMessage(request(acceptedVersion, "", null));
    } catch (RuntimeException e) {
      if (c != null) {
        c.cancel("could not start the stream", e);
      }
      call = null;
      attemptFailed(e.toString(), e);
    }
  }

  private final class CallListener extends ClientCall.Listener<DiscoveryResponse> {
    private final ClientCall<DiscoveryRequest, DiscoveryResponse> c;

    CallListener(ClientCall<DiscoveryRequest, DiscoveryResponse> c) {
      this.c = c;
    }

    @Override
    public void onMessage(DiscoveryResponse response) {
      if (call != c || closed) {
        return;
      }
      try {
        onResponse(c, response);
      } finally {
        c.request(1);
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      if (call != c || closed) {
        return;
      }
      call = null;
      streamClosed(status);
    }
  }

  private void onResponse(ClientCall<DiscoveryRequest, DiscoveryResponse> c,
      DiscoveryResponse response) {
    callGotResponse = true;
    if (failures > 0) {
      log.debug("{}: connected again after {} failed attempts", description, failures);
      failedAttempts = failures;
      failures = 0;
    }
    if (!EDS_TYPE.equals(response.getTypeUrl())) {
      // Not subscribed: answering would subscribe to it (an empty name list is a wildcard).
      warnOnce("ignoring a response of type " + response.getTypeUrl() + " (only EDS was asked"
          + " for)");
      return;
    }
    ClusterLoadAssignment assignment;
    LoadAssignments.Result result;
    try {
      assignment = find(response);
      result = assignment == null ? null : LoadAssignments.endpoints(assignment);
    } catch (LoadAssignments.Rejected e) {
      nack(c, response, e.getMessage());
      return;
    }
    acceptedVersion = response.getVersionInfo();
    c.sendMessage(request(acceptedVersion, response.getNonce(), null));
    if (result != null) {
      apply(result, response.getVersionInfo());
    }
  }

  /** Our cluster's assignment in the response, or {@code null} when the response lacks it. */
  private @Nullable ClusterLoadAssignment find(DiscoveryResponse response)
      throws LoadAssignments.Rejected {
    ClusterLoadAssignment found = null;
    for (int i = 0; i < response.getResourcesCount(); i++) {
      Any any = response.getResources(i);
      try {
        if (RESOURCE_TYPE.equals(any.getTypeUrl())) {
          any = any.unpack(Resource.class).getResource();
        }
        if (!EDS_TYPE.equals(any.getTypeUrl())) {
          throw new LoadAssignments.Rejected("resources[" + i + "]: " + any.getTypeUrl()
              + " (expected: " + EDS_TYPE + ")");
        }
        ClusterLoadAssignment a = any.unpack(ClusterLoadAssignment.class);
        if (a.getClusterName().equals(source.clusterName)) {
          if (found != null) {
            throw new LoadAssignments.Rejected("resources[" + i + "]: cluster '"
                + source.clusterName + "' again (expected: once per response)");
          }
          found = a;
        }
      } catch (InvalidProtocolBufferException e) {
        throw new LoadAssignments.Rejected("resources[" + i + "]: not a valid " + any.getTypeUrl()
            + " (" + e.getMessage() + ")");
      }
    }
    return found;
  }

  private void nack(ClientCall<DiscoveryRequest, DiscoveryResponse> c, DiscoveryResponse response,
      String why) {
    c.sendMessage(request(acceptedVersion, response.getNonce(), why));
    String failure = description + " failed: rejected version " + response.getVersionInfo()
        + ": " + why;
    if (!failure.equals(lastError)) {
      log.warn("{}; keeping {} (version {})", failure, kept(), acceptedVersion.isEmpty()
          ? "none" : acceptedVersion);
    } else {
      log.debug("{} (again)", failure);
    }
    report(failure, null);
  }

  private void apply(LoadAssignments.Result result, String version) {
    List<Endpoint> endpoints = result.endpoints;
    if (endpoints.isEmpty() && !source.applyEmptyAnswers) {
      String failure = description + " failed: returned no endpoints" + (result.notServing == 0
          ? "" : " (" + result.notServing + " not HEALTHY or UNKNOWN)");
      if (!failure.equals(lastError)) {
        log.warn("{} in version {}; keeping {}", failure, version, kept());
      }
      report(failure, null);
      return;
    }
    List<Endpoint> previous = lastGood;
    boolean changed = !endpoints.equals(previous);
    boolean recovered = lastError != null;
    if (changed) {
      log.info("{}: version {}: {}", description, version, describeChange(previous, endpoints));
    }
    if (recovered) {
      log.info("{}: fresh again with version {}{}", description, version, failedAttempts == 0
          ? "" : " after " + failedAttempts + " failed connection attempts");
    }
    failedAttempts = 0;
    lastGood = endpoints;
    lastGoodNanos = System.nanoTime();
    lastError = null;
    lastCause = null;
    if (changed || recovered) {
      // Also on recovery with an unchanged list: the listener learns that it is fresh again.
      for (EndpointSource.Listener l : listeners) {
        deliver(l, endpoints);
      }
    }
    firstOutcome.complete(null);
  }

  private void streamClosed(Status status) {
    if (callGotResponse) {
      // A stream that worked: reconnect at once, unless it lasted less than the first backoff step
      // (a server that ends every stream would otherwise be called in a tight loop).
      long delay = Math.max(0, source.backoffNanos(1) - (System.nanoTime() - callStartNanos));
      log.debug("{}: stream ended ({}); reconnecting in {}", description, describe(status),
          seconds(delay));
      schedule(delay);
      return;
    }
    attemptFailed(describe(status), status.asException());
  }

  private void attemptFailed(String why, @Nullable Throwable cause) {
    failures++;
    long delay = source.backoffNanos(failures);
    String failure = description + " failed: " + why;
    if (failures == 1) {
      log.warn("{}; keeping {}; reconnecting in {} (backoff up to {})", failure, kept(),
          seconds(delay), seconds(source.backoffMaxNanos));
    } else {
      log.debug("{} ({} attempts in a row); reconnecting in {}", failure, failures,
          seconds(delay));
    }
    report(failure, cause);
    schedule(delay);
  }

  private void initialFetchExpired() {
    initialFetchTimer = null;
    if (firstOutcome.isDone() || closed) {
      return;
    }
    String failure = description + " failed: no ClusterLoadAssignment for '"
        + source.clusterName + "' within " + seconds(source.initialFetchTimeoutNanos);
    log.warn("{}; still waiting for it", failure);
    report(failure, null);
  }

  private void report(String failure, @Nullable Throwable cause) {
    lastError = failure;
    lastCause = cause;
    for (EndpointSource.Listener l : listeners) {
      deliverError(l, failure, cause);
    }
    firstOutcome.complete(null);
  }

  private void schedule(long delayNanos) {
    cancelPending();
    if (!closed) {
      pending = executor.schedule(this::connect, delayNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void cancelPending() {
    ScheduledFuture<?> p = pending;
    pending = null;
    if (p != null) {
      p.cancel(false);
    }
  }

  private DiscoveryRequest request(String version, String nonce, @Nullable String error) {
    DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder()
        .setNode(source.node)
        .setTypeUrl(EDS_TYPE)
        .addResourceNames(source.clusterName)
        .setVersionInfo(version)
        .setResponseNonce(nonce);
    if (error != null) {
      b.setErrorDetail(com.google.rpc.Status.newBuilder()
          .setCode(Status.Code.INVALID_ARGUMENT.value())
          .setMessage(error));
    }
    return b.build();
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Runs {@code task} on the stream's thread and waits for it; inline when already there (a
   * listener that starts or closes a subscription).
   */
  private void runAndWait(Runnable task) {
    if (Thread.currentThread() == thread) {
      task.run();
      return;
    }
    try {
      executor.submit(task).get();
    } catch (RejectedExecutionException e) {
      // Closed already.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw new IllegalStateException(cause);
    }
  }

  private void warnOnce(String message) {
    if (warned.size() < 100 && warned.add(message)) {
      log.warn("{}: {}", description, message);
    } else {
      log.debug("{}: {}", description, message);
    }
  }

  private void deliver(EndpointSource.Listener l, List<Endpoint> endpoints) {
    if (!listeners.contains(l)) {
      return; // removed by an earlier listener of this round
    }
    try {
      l.onEndpoints(endpoints);
    } catch (RuntimeException e) {
      log.warn("{}: listener {} failed on a new list", description, l, e);
    }
  }

  private void deliverError(EndpointSource.Listener l, String failure, @Nullable Throwable cause) {
    if (!listeners.contains(l)) {
      return;
    }
    try {
      l.onError(failure, cause);
    } catch (RuntimeException e) {
      log.warn("{}: listener {} failed on an error", description, l, e);
    }
  }

  private String kept() {
    List<Endpoint> good = lastGood;
    if (good == null) {
      return "no list (none received yet)";
    }
    return "the last good list of " + good.size() + (good.size() == 1 ? " endpoint" : " endpoints")
        + " from " + seconds(System.nanoTime() - lastGoodNanos) + " ago";
  }

  /** {@code UNAVAILABLE: io exception (Connection refused: /127.0.0.1:18000)}. */
  static String describe(Status status) {
    if (status.isOk()) {
      return "the server ended the stream";
    }
    StringBuilder sb = new StringBuilder(status.getCode().name());
    if (status.getDescription() != null) {
      sb.append(": ").append(status.getDescription());
    }
    Throwable cause = status.getCause();
    if (cause != null && cause.getMessage() != null) {
      sb.append(" (").append(cause.getMessage()).append(')');
    }
    return sb.toString();
  }

  private static String describeChange(@Nullable List<Endpoint> before, List<Endpoint> after) {
    String now = after.size() <= LOG_LIST_LIMIT ? after.size() + " endpoints " + after
        : after.size() + " endpoints";
    if (before == null) {
      return now;
    }
    Set<String> old = new HashSet<>();
    for (Endpoint e : before) {
      old.add(e.address());
    }
    int added = 0;
    for (Endpoint e : after) {
      if (!old.remove(e.address())) {
        added++;
      }
    }
    return now + " (was " + before.size() + ": +" + added + " -" + old.size() + ")";
  }

  /** {@code 250 ms} below a second, {@code 1.5 s} from there. */
  static String seconds(long nanos) {
    return nanos < 1_000_000_000L ? nanos / 1_000_000 + " ms"
        : String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }
}
