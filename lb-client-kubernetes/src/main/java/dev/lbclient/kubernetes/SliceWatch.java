package dev.lbclient.kubernetes;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One started {@link KubernetesEndpointSource}, shared by all its listeners: the informer on the
 * Service's EndpointSlices, the check that its watch is up, and the delivery of snapshots.
 *
 * <p>Concurrency: every rebuild and every delivery runs under {@link #lock}, whichever thread
 * starts it (the informer's handler thread, the check thread, or a caller of {@code start}), so
 * calls to a listener never overlap and none comes after its removal returns. The informer is
 * stopped outside the lock.
 */
final class SliceWatch {
  private static final Logger log = LoggerFactory.getLogger(KubernetesEndpointSource.class);
  /** Lists up to this long are logged in full when they change. */
  private static final int LOG_LIST_LIMIT = 10;

  private final KubernetesEndpointSource source;
  private final ReentrantLock lock = new ReentrantLock();
  private final CompletableFuture<Void> firstAnswer = new CompletableFuture<>();
  private volatile boolean closed;
  /** Open subscriptions; guarded by the source's lock. */
  int subscriptions;

  // Guarded by lock.
  private final List<EndpointSource.Listener> listeners = new ArrayList<>();
  private @Nullable SharedIndexInformer<EndpointSlice> informer;
  private @Nullable ScheduledExecutorService checker;
  private boolean listing = true;
  private boolean listed;
  private @Nullable List<Endpoint> lastGood;
  private long lastGoodNanos;
  private @Nullable String lastError;
  private @Nullable Throwable lastCause;
  private int failures;
  private long downSinceNanos = -1;
  private boolean downReported;
  private Set<String> warned = Set.of();

  SliceWatch(KubernetesEndpointSource source) {
    this.source = source;
  }

  /** Adds a listener and gives it the current state: the last good list, then the failure. */
  void add(EndpointSource.Listener listener) {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      listeners.add(listener);
      List<Endpoint> good = lastGood;
      if (good != null) {
        deliver(listener, good);
      }
      String error = lastError;
      if (error != null) {
        deliverError(listener, error, lastCause);
      }
    } finally {
      lock.unlock();
    }
  }

  void remove(EndpointSource.Listener listener) {
    lock.lock();
    try {
      listeners.remove(listener);
    } finally {
      lock.unlock();
    }
  }

  /** Creates and starts the informer and the watch check. */
  void start() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      SharedIndexInformer<EndpointSlice> inf = source.client.discovery().v1().endpointSlices()
          .inNamespace(source.namespace)
          .withLabel(KubernetesEndpointSource.SERVICE_NAME_LABEL, source.service)
          .runnableInformer(0);
      inf.addEventHandler(new Handler());
      inf.exceptionHandler(this::onInformerFailure);
      informer = inf;
      ScheduledExecutorService check = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lb-client-kubernetes-" + source.namespace + "/" + source.service);
        t.setDaemon(true);
        return t;
      });
      checker = check;
      check.scheduleWithFixedDelay(this::checkWatch, source.checkPeriodNanos,
          source.checkPeriodNanos, TimeUnit.NANOSECONDS);
      inf.start();
    } catch (RuntimeException e) {
      onFailure(source.description() + " failed: " + describe(e), e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits for the first list or the first failure, up to the timeout; a list still running then is
   * reported as a failure (and delivered when it completes).
   */
  void awaitFirstAnswer(long timeoutNanos) {
    try {
      firstAnswer.get(timeoutNanos, TimeUnit.NANOSECONDS);
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      return; // never completed exceptionally
    } catch (TimeoutException e) {
      // reported below
    }
    lock.lock();
    try {
      if (!closed && !listed && lastError == null) {
        onFailure(source.description() + " failed: no list within " + seconds(timeoutNanos)
            + " (still trying)", null);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Stops the informer and the check; nothing is delivered after this returns. */
  void close() {
    SharedIndexInformer<EndpointSlice> inf;
    ScheduledExecutorService check;
    lock.lock();
    try {
      closed = true;
      listeners.clear();
      inf = informer;
      check = checker;
      informer = null;
      checker = null;
    } finally {
      lock.unlock();
    }
    if (check != null) {
      check.shutdownNow();
    }
    if (inf != null) {
      inf.stop();
    }
    firstAnswer.complete(null);
  }

  /** The informer, while running; for tests. */
  @Nullable SharedIndexInformer<EndpointSlice> informer() {
    lock.lock();
    try {
      return informer;
    } finally {
      lock.unlock();
    }
  }

  /** Informer events. Called one at a time on the informer's handler thread. */
  private final class Handler implements ResourceEventHandler<EndpointSlice> {
    @Override
    public void onBeforeList(String lastSyncResourceVersion) {
      lock.lock();
      try {
        listing = true; // a list's events are not applied one by one: onList applies them all
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onList(String resourceVersion, boolean remainedEmpty) {
      lock.lock();
      try {
        listing = false;
        listed = true;
        downSinceNanos = -1; // the watch starts now: its grace period too
        rebuild();
      } finally {
        lock.unlock();
      }
      firstAnswer.complete(null);
    }

    @Override
    public void onAdd(EndpointSlice slice) {
      changed();
    }

    @Override
    public void onUpdate(EndpointSlice before, EndpointSlice after) {
      changed();
    }

    @Override
    public void onDelete(EndpointSlice slice, boolean finalStateUnknown) {
      changed();
    }

    private void changed() {
      lock.lock();
      try {
        if (!listing) {
          rebuild();
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * fabric8 asks whether to retry after a failed list or a watch it could not resume: yes, unless
   * the caller has closed the client (the informer then stops, and the last list stays).
   */
  private boolean onInformerFailure(boolean started, Throwable t) {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      boolean clientClosed = source.client.getHttpClient().isClosed();
      onFailure(source.description() + " failed: "
          + (clientClosed ? "the KubernetesClient is closed" : describe(t)), t);
      return !clientClosed;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs on the check thread: reports a watch that has been down for the grace period (fabric8
   * reconnects without telling its handlers), and delivers the list again once it is back up.
   */
  private void checkWatch() {
    lock.lock();
    try {
      SharedIndexInformer<EndpointSlice> inf = informer;
      if (closed || inf == null || !listed) {
        return;
      }
      long now = System.nanoTime();
      if (inf.isWatching()) {
        downSinceNanos = -1;
        if (downReported) {
          downReported = false;
          rebuild();
        }
        return;
      }
      if (downSinceNanos < 0) {
        downSinceNanos = now;
      } else if (!downReported && lastError == null
          && now - downSinceNanos >= source.disconnectGraceNanos) {
        downReported = true;
        onFailure(source.description() + " failed: watch down for " + seconds(now - downSinceNanos)
            + " (the client reconnects by itself)", null);
      }
    } catch (RuntimeException e) {
      log.warn("{}: watch check failed", source.description(), e);
    } finally {
      lock.unlock();
    }
  }

  /** Merges the informer's current slices and delivers the result. Holds the lock. */
  private void rebuild() {
    SharedIndexInformer<EndpointSlice> inf = informer;
    if (closed || inf == null) {
      return;
    }
    SliceMerger.Result r = SliceMerger.merge(inf.getStore().list(), source.service,
        source.portName, source.terminatingFallback);
    warnOnce(r.problems);
    List<Endpoint> endpoints = r.endpoints;
    if (endpoints.isEmpty() && !source.applyEmptyAnswers) {
      onFailure(source.description() + " failed: returned no endpoints (" + r.emptyReason + ")",
          null);
      return;
    }
    List<Endpoint> previous = lastGood;
    boolean changed = !endpoints.equals(previous);
    boolean recovered = lastError != null;
    if (changed) {
      log.info("{}: {}", source.description(), describeChange(previous, endpoints));
    }
    if (recovered) {
      log.info("{}: works again after {}", source.description(),
          failures == 1 ? "1 failure" : failures + " failures");
    }
    lastGood = endpoints;
    lastGoodNanos = System.nanoTime();
    lastError = null;
    lastCause = null;
    failures = 0;
    downReported = false;
    if (changed || recovered) {
      // Also on recovery with an unchanged list: the listener learns that it is fresh again.
      for (EndpointSource.Listener l : listeners) {
        deliver(l, endpoints);
      }
    }
  }

  /** Keeps the last good list and reports. Holds the lock. */
  private void onFailure(String description, @Nullable Throwable cause) {
    if (closed) {
      return;
    }
    failures++;
    String previous = lastError;
    lastError = description;
    lastCause = cause;
    if (failures == 1 || !description.equals(previous)) {
      log.warn("{}; keeping {}", description, kept());
    } else {
      log.debug("{} ({} failures in a row)", description, failures);
    }
    for (EndpointSource.Listener l : listeners) {
      deliverError(l, description, cause);
    }
    firstAnswer.complete(null);
  }

  /** Logs each problem once while it lasts; one that goes away and comes back is logged again. */
  private void warnOnce(Map<String, String> problems) {
    if (problems.isEmpty() && warned.isEmpty()) {
      return;
    }
    for (Map.Entry<String, String> p : problems.entrySet()) {
      if (!warned.contains(p.getKey())) {
        log.warn("{}: {}", source.description(), p.getValue());
      }
    }
    warned = problems.isEmpty() ? Set.of() : new HashSet<>(problems.keySet());
  }

  private String kept() {
    List<Endpoint> good = lastGood;
    if (good == null) {
      return "no list (none received yet)";
    }
    return "the last good list of " + good.size() + (good.size() == 1 ? " endpoint" : " endpoints")
        + " from " + seconds(System.nanoTime() - lastGoodNanos) + " ago";
  }

  private void deliver(EndpointSource.Listener l, List<Endpoint> endpoints) {
    try {
      l.onEndpoints(endpoints);
    } catch (RuntimeException e) {
      log.warn("{}: listener {} failed on a new list", source.description(), l, e);
    }
  }

  private void deliverError(EndpointSource.Listener l, String description,
      @Nullable Throwable cause) {
    try {
      l.onError(description, cause);
    } catch (RuntimeException e) {
      log.warn("{}: listener {} failed on an error", source.description(), l, e);
    }
  }

  /** The exception's message, with its cause's when that adds something. */
  static String describe(Throwable t) {
    String message = t.getMessage() != null ? t.getMessage() : t.getClass().getName();
    Throwable cause = t.getCause();
    if (cause != null && cause != t) {
      String inner = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getName();
      if (!message.contains(inner)) {
        message = message + ": " + inner;
      }
    }
    return message;
  }

  private static String describeChange(@Nullable List<Endpoint> before, List<Endpoint> after) {
    String now = after.size() <= LOG_LIST_LIMIT ? after.size() + " endpoints " + after
        : after.size() + " endpoints";
    if (before == null) {
      return now;
    }
    Map<String, Boolean> old = new HashMap<>();
    for (Endpoint e : before) {
      old.put(e.address(), Boolean.TRUE);
    }
    int added = 0;
    for (Endpoint e : after) {
      if (old.remove(e.address()) == null) {
        added++;
      }
    }
    return now + " (was " + before.size() + ": +" + added + " -" + old.size() + ")";
  }

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }
}
