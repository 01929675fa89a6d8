package dev.lbclient.dns;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The refresh loop of one started {@link DnsEndpointSource}, shared by all its listeners: look up,
 * deliver, and schedule the next lookup at the record TTL (clamped, jittered) or, after a failure,
 * at a jittered exponential backoff.
 *
 * <p>Concurrency: a lookup and the deliveries of its result run under {@link #lock}, one at a time,
 * so calls to a listener never overlap. {@link #close()} does not take the lock: it raises a flag
 * and shuts the scheduler down, which interrupts a lookup in progress.
 */
final class DnsRefresher {
  private static final Logger log = LoggerFactory.getLogger(DnsEndpointSource.class);
  /** Lists up to this long are logged in full when they change. */
  private static final int LOG_LIST_LIMIT = 10;

  private final DnsEndpointSource source;
  private final DnsLookup lookup;
  private final DnsScheduler scheduler;
  private final CopyOnWriteArrayList<EndpointSource.Listener> listeners =
      new CopyOnWriteArrayList<>();
  private final ReentrantLock lock = new ReentrantLock();
  private volatile boolean closed;
  /** Open subscriptions; guarded by the source's lock. */
  int subscriptions;

  // Guarded by lock.
  private boolean started;
  private @Nullable List<Endpoint> lastGood;
  private long lastGoodNanos;
  private @Nullable String lastError;
  private @Nullable Throwable lastCause;
  private int failures;
  private List<String> lastIgnored = List.of();

  DnsRefresher(DnsEndpointSource source, DnsLookup lookup, DnsScheduler scheduler) {
    this.source = source;
    this.lookup = lookup;
    this.scheduler = scheduler;
  }

  /**
   * Adds a listener. The first one waits for the first lookup (bounded by the query timeout); later
   * ones get the current state at once: the last good list, then the current failure if any.
   */
  void add(EndpointSource.Listener listener) {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      listeners.add(listener);
      if (!started) {
        started = true;
        refresh();
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
    } finally {
      lock.unlock();
    }
  }

  void remove(EndpointSource.Listener listener) {
    listeners.remove(listener);
  }

  /** Stops refreshing; a lookup in progress is interrupted and its result dropped. */
  void close() {
    closed = true;
    listeners.clear();
    scheduler.shutdown();
  }

  private void refreshScheduled() {
    lock.lock();
    try {
      if (!closed) {
        refresh();
      }
    } finally {
      lock.unlock();
    }
  }

  /** One lookup, its delivery, and the scheduling of the next. Holds the lock. */
  private void refresh() {
    long delay;
    try {
      delay = onAnswer(source.lookup(lookup));
    } catch (DnsLookup.Failure f) {
      delay = onFailure(f.getMessage(), f.getCause());
    } catch (InterruptedException e) {
      if (closed) {
        return;
      }
      Thread.currentThread().interrupt();
      delay = onFailure(source.query() + " failed: interrupted", e);
    } catch (RuntimeException e) {
      delay = onFailure(source.query() + " failed: " + e, e);
    }
    if (!closed) {
      scheduler.schedule(this::refreshScheduled, delay);
    }
  }

  private long onAnswer(DnsLookup.Answer answer) {
    if (closed) {
      return 0;
    }
    if (!answer.ignored.equals(lastIgnored)) {
      lastIgnored = answer.ignored;
      if (!answer.ignored.isEmpty()) {
        log.warn("{}: ignoring {} SRV records with port 0 or target \".\" (RFC 2782: service not"
            + " available here): {}", source.description(), answer.ignored.size(), answer.ignored);
      }
    }
    List<Endpoint> endpoints = answer.endpoints;
    if (endpoints.isEmpty() && !source.applyEmptyAnswers) {
      return onFailure(source.query() + " failed: " + answer.emptyReason, null);
    }
    List<Endpoint> previous = lastGood;
    boolean changed = !endpoints.equals(previous);
    boolean recovered = lastError != null;
    if (changed) {
      log.info("{}: {}", source.description(), describeChange(previous, endpoints));
    }
    if (recovered) {
      log.info("{}: lookups work again after {} failures", source.description(), failures);
    }
    lastGood = endpoints;
    lastGoodNanos = source.ticker.read();
    lastError = null;
    lastCause = null;
    failures = 0;
    if (changed || recovered) {
      // Also on recovery with an unchanged list: the listener learns that it is fresh again.
      for (EndpointSource.Listener l : listeners) {
        deliver(l, endpoints);
      }
    }
    return refreshDelay(answer.ttlSeconds);
  }

  private long onFailure(String description, @Nullable Throwable cause) {
    if (closed) {
      return 0;
    }
    failures++;
    String previous = lastError;
    lastError = description;
    lastCause = cause;
    long delay = backoffDelay(failures);
    if (failures == 1 || !description.equals(previous)) {
      log.warn("{}; keeping {}; next try in {} (backoff up to {})", description, kept(),
          seconds(delay), seconds(source.backoffMaxNanos));
    } else {
      log.debug("{} ({} failures in a row); next try in {}", description, failures,
          seconds(delay));
    }
    for (EndpointSource.Listener l : listeners) {
      deliverError(l, description, cause);
    }
    return delay;
  }

  /**
   * The TTL clamped to [min, max], then shortened by up to the jitter fraction: never later than the
   * clamped TTL, and clients that got the same answer at the same moment drift apart.
   */
  private long refreshDelay(long ttlSeconds) {
    long ttl = ttlSeconds < 0 ? source.minTtlNanos
        : Math.max(source.minTtlNanos,
            Math.min(source.maxTtlNanos, TimeUnit.SECONDS.toNanos(ttlSeconds)));
    return (long) (ttl * (1 - source.refreshJitter * nextDouble()));
  }

  /**
   * initial x 2^(failures - 1), capped at the maximum, times a factor uniform in [0.8, 1.2): so 1 s,
   * 2 s, 4 s, ... 32 s, 32 s, ... by default, each within 20%.
   */
  private long backoffDelay(int failures) {
    long base = source.backoffMaxNanos;
    int doublings = failures - 1;
    if (doublings < 62 && source.backoffInitialNanos <= (source.backoffMaxNanos >> doublings)) {
      base = source.backoffInitialNanos << doublings;
    }
    double factor = 1 + DnsEndpointSource.BACKOFF_JITTER * (2 * nextDouble() - 1);
    return (long) (base * factor);
  }

  private double nextDouble() {
    return source.rng.nextLong(1L << 53) * 0x1.0p-53;
  }

  private String kept() {
    List<Endpoint> good = lastGood;
    if (good == null) {
      return "no list (none received yet)";
    }
    return "the last good list of " + good.size() + (good.size() == 1 ? " endpoint" : " endpoints")
        + " from "
        + seconds(source.ticker.read() - lastGoodNanos) + " ago";
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

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }
}
