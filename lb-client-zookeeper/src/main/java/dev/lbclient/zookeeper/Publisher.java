package dev.lbclient.zookeeper;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.zookeeper.InstanceReader.Instance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of one {@link ServiceWatch} and what they were last told: turns the instances read
 * into a snapshot (skipping and warning about unusable ones, merging duplicate addresses, applying
 * the empty-answer rule), delivers it when it changed or after a failure, and reports failures
 * while keeping the last good list. Logs one WARN when a run of failures starts and one INFO when
 * it ends.
 *
 * <p>Not thread-safe: used only on the watch's thread, which is what keeps calls to a listener
 * from overlapping.
 */
final class Publisher {
  private static final Logger log = LoggerFactory.getLogger(ZooKeeperEndpointSource.class);
  private static final int LOG_LIST_LIMIT = 10;

  private final String description;
  private final boolean applyEmptyAnswers;
  private final List<Sink> sinks = new ArrayList<>();
  private @Nullable List<Endpoint> lastGood;
  private long lastGoodNanos;
  private @Nullable String lastError;
  /** What failed, without the description: {@code connection SUSPENDED}. */
  private @Nullable String lastWhat;
  private @Nullable Throwable lastCause;
  private int failures;
  /** The problems already logged, by instance name. */
  private Map<String, String> warned = Map.of();

  /** A started listener and whether it has had its first answer. */
  static final class Sink {
    final EndpointSource.Listener listener;
    final CompletableFuture<Void> answered = new CompletableFuture<>();
    volatile boolean closed;

    Sink(EndpointSource.Listener listener) {
      this.listener = listener;
    }
  }

  Publisher(String description, boolean applyEmptyAnswers) {
    this.description = description;
    this.applyEmptyAnswers = applyEmptyAnswers;
  }

  /** Adds a listener and tells it the current state: the last good list, then the failure. */
  void add(Sink sink) {
    sinks.add(sink);
    List<Endpoint> good = lastGood;
    if (good != null) {
      deliver(sink, good);
    }
    String error = lastError;
    if (error != null) {
      deliverError(sink, error, lastCause);
    }
  }

  void remove(Sink sink) {
    sinks.remove(sink);
  }

  /** Failures in a row, 0 after a good answer. */
  int failures() {
    return failures;
  }

  /**
   * A listener still waiting for its first answer when the start timeout ends is told the
   * current failure, or {@code no answer within ...} becomes the failure.
   */
  void startTimedOut(Sink sink, String what) {
    if (sink.closed || sink.answered.isDone()) {
      return;
    }
    String error = lastError;
    if (error != null) {
      deliverError(sink, error, lastCause);
    } else {
      fail(what, null);
    }
  }

  /**
   * A complete read of the service: the instances by znode name, and whether the service znode
   * is missing.
   */
  void answer(Map<String, Instance> instances, boolean nodeMissing, String path) {
    Map<String, Endpoint> byAddress = new LinkedHashMap<>();
    Map<String, Long> registered = new HashMap<>();
    Map<String, String> problems = new TreeMap<>();
    for (Map.Entry<String, Instance> e : instances.entrySet()) {
      Instance i = e.getValue();
      if (i.problem != null) {
        problems.put(e.getKey(), i.problem);
      } else if (i.endpoint != null) {
        // Two instances at one address (say a restarted server whose old ephemeral znode has not
        // expired yet): the later registration wins.
        Long before = registered.get(i.endpoint.address());
        if (before == null || i.registered > before) {
          byAddress.put(i.endpoint.address(), i.endpoint);
          registered.put(i.endpoint.address(), i.registered);
        }
      }
    }
    warnNewProblems(problems);
    List<Endpoint> endpoints = List.copyOf(byAddress.values());
    if (endpoints.isEmpty() && !applyEmptyAnswers) {
      fail("returned no endpoints" + (nodeMissing ? " (no node " + path + ")"
          : problems.isEmpty() ? "" : " (" + count(problems.size(), "instance") + " skipped)"),
          null);
      return;
    }
    List<Endpoint> previous = lastGood;
    boolean changed = !endpoints.equals(previous);
    String error = lastError;
    if (changed) {
      log.info("{}: {}", description, describeChange(previous, endpoints));
    }
    if (error != null) {
      log.info("{}: fresh again with {} after {}; the last: {}", description,
          count(endpoints.size(), "endpoint"), count(failures, "failure"), lastWhat);
    }
    lastGood = endpoints;
    lastGoodNanos = System.nanoTime();
    lastError = null;
    lastWhat = null;
    lastCause = null;
    failures = 0;
    if (changed || error != null) {
      // Also after a failure with an unchanged list: the listener learns that it is fresh again.
      for (Sink s : sinks) {
        deliver(s, endpoints);
      }
    }
  }

  /** Keeps the last good list and tells every listener; WARN on the first failure only. */
  void fail(String what, @Nullable Throwable cause) {
    String error = description + " failed: " + what;
    failures++;
    if (lastError == null) {
      log.warn("{}; keeping {}", error, kept());
    } else {
      log.debug("{} ({} in a row)", error, count(failures, "failure"));
    }
    lastError = error;
    lastWhat = what;
    lastCause = cause;
    for (Sink s : sinks) {
      deliverError(s, error, cause);
    }
  }

  private void warnNewProblems(Map<String, String> problems) {
    List<String> fresh = new ArrayList<>();
    for (Map.Entry<String, String> p : problems.entrySet()) {
      if (!p.getValue().equals(warned.get(p.getKey()))) {
        fresh.add("'" + p.getKey() + "': " + p.getValue());
      }
    }
    warned = problems;
    if (!fresh.isEmpty()) {
      log.warn("{}: skipping {}: {}{}", description, count(fresh.size(), "instance"),
          String.join("; ", fresh.subList(0, Math.min(fresh.size(), LOG_LIST_LIMIT))),
          fresh.size() > LOG_LIST_LIMIT ? "; ..." : "");
    }
  }

  private void deliver(Sink sink, List<Endpoint> endpoints) {
    if (sink.closed) {
      return;
    }
    try {
      sink.listener.onEndpoints(endpoints);
    } catch (RuntimeException e) {
      log.warn("{}: listener {} failed on a new list", description, sink.listener, e);
    } finally {
      sink.answered.complete(null);
    }
  }

  private void deliverError(Sink sink, String error, @Nullable Throwable cause) {
    if (sink.closed) {
      return;
    }
    try {
      sink.listener.onError(error, cause);
    } catch (RuntimeException e) {
      log.warn("{}: listener {} failed on an error", description, sink.listener, e);
    } finally {
      sink.answered.complete(null);
    }
  }

  private String kept() {
    List<Endpoint> good = lastGood;
    if (good == null) {
      return "no list (none received yet)";
    }
    return "the last good list of " + count(good.size(), "endpoint") + " from "
        + seconds(System.nanoTime() - lastGoodNanos) + " ago";
  }

  private static String describeChange(@Nullable List<Endpoint> before, List<Endpoint> after) {
    String now = after.size() <= LOG_LIST_LIMIT ? count(after.size(), "endpoint") + " " + after
        : count(after.size(), "endpoint");
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

  static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }
}
