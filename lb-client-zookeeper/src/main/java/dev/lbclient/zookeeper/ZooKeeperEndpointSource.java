package dev.lbclient.zookeeper;

import static java.util.Objects.requireNonNull;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.common.PathUtils;
import org.jspecify.annotations.Nullable;

/**
 * Endpoints from Apache Curator service discovery: the {@code ServiceInstance}s that Curator's
 * {@code ServiceDiscovery} registers under {@code basePath/serviceName}, watched in ZooKeeper.
 *
 * <pre>{@code
 * LoadBalancer orders = LoadBalancer.builder("orders")
 *     .endpoints(ZooKeeperEndpointSource.of(client, "/services", "orders"))
 *     .build();
 * }</pre>
 *
 * <p><b>What is read.</b> Each child znode of {@code basePath/serviceName} is one instance, in the
 * JSON that Curator's {@code JsonInstanceSerializer} writes. An instance becomes {@link
 * Endpoint#of(String, int) Endpoint.of(address, port)}, with {@code sslPort} instead when {@link
 * Builder#useSslPort(boolean)} says so. When the instance's payload is a JSON object with a {@code
 * zone} (a string) or a {@code weight} (1 to 65535), or a {@code metadata} object holding them as
 * Spring Cloud ZooKeeper writes it, they become the endpoint's {@linkplain Endpoint#zone() zone}
 * and {@linkplain Endpoint#weight() weight}; nothing else of the payload is used, and the payload's
 * class need not be on the class path (the JSON is read as a tree; no class named in it is
 * loaded). Instances with {@code "enabled": false} are left out, as Curator's {@code
 * ServiceProvider} does. An instance that cannot be used (not JSON, no address, no such port, a bad
 * zone or weight, an ACL that forbids reading it) is skipped with one WARN naming the znode and the
 * problem, and the others are delivered. When two instances have the same address and port, the
 * later registration ({@code registrationTimeUTC}) wins.
 *
 * <p><b>How it is watched.</b> A children watch on the service znode (an exists watch while it
 * does not exist) and a data watch on each instance znode, read in the background through the
 * given client. A snapshot is delivered only when every read started by a change has answered, so
 * a change arrives as one complete list: 10,000 instances created in one transaction are one
 * snapshot of 10,000 endpoints. (Curator's {@code ServiceCache} and {@code CuratorCache} are not
 * used: both report each znode separately, with no mark for the end of a batch, and {@code
 * ServiceCache}, given a malformed instance, throws from its cache listener, which is logged as an
 * error, and keeps that instance's previous version.) Changes reach the listener as soon as
 * ZooKeeper sends the watch event and the reads answer, typically milliseconds.
 *
 * <p><b>Failures.</b> When the connection is lost ({@code SUSPENDED}) or the session expires
 * ({@code LOST}), the last good list is kept, and {@link Listener#onError} says {@code ZooKeeper
 * /services/orders failed: connection SUSPENDED} (or {@code LOST}), which marks the load balancer's
 * source status stale. <b>Reconnecting is Curator's job</b>: the client reconnects, and retries
 * reads, by its own {@code RetryPolicy}. On {@code CONNECTED}, {@code RECONNECTED} or {@code
 * READ_ONLY} after a failure, every instance is read again and the fresh list delivered, even when
 * unchanged. A read that fails while connected (say {@code NOAUTH} on the service znode) is
 * retried after 1 s, 2 s, 4 s ... up to 32 s, each within 20% jitter. One WARN marks the first
 * failure and one INFO the recovery. A missing service znode, or one with no usable instance, is an
 * empty answer: by default it keeps the last good list and is reported as {@code ... failed:
 * returned no endpoints}, unless {@link Builder#applyEmptyAnswers(boolean)} says to deliver it.
 *
 * <p><b>The client</b> belongs to the application, which starts it before {@link #start(Listener)}
 * and closes it after the load balancers that use it; this source never closes it. The source
 * reads and watches; it never writes (it does not create the base path).
 *
 * <p><b>Threads and watches.</b> Each started source has one daemon thread, {@code
 * lb-client-zookeeper-<path>}, on which watch events, reads and deliveries run; it is created by
 * the first {@link #start(Listener)} and stopped when the last subscription closes (for a load
 * balancer: by {@link dev.lbclient.LoadBalancer#close()}), which also removes the source's
 * watchers from the client. ZooKeeper removes a single watcher on the client side only: the
 * server forgets each of those one-shot watches the next time it fires or when the session ends
 * (removing them on the server would remove every watch the session holds on those znodes,
 * including other users' of the same client).
 *
 * <p>Instances are immutable in configuration and thread-safe; one instance may serve several load
 * balancers, which then share its watches and its thread.
 */
public final class ZooKeeperEndpointSource implements EndpointSource {
  static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(5);

  private final CuratorFramework client;
  private final String path;
  private final String description;
  final boolean applyEmptyAnswers;
  final boolean useSslPort;
  final long startTimeoutNanos;

  private final Object lock = new Object();
  private @Nullable ServiceWatch active; // guarded by lock

  private ZooKeeperEndpointSource(Builder b) {
    this.client = b.client;
    this.path = b.path;
    String namespace = client.getNamespace();
    this.description = "ZooKeeper " + ZKPaths.fixForNamespace(
        namespace == null || namespace.isEmpty() ? null : namespace, path);
    this.applyEmptyAnswers = b.applyEmptyAnswers != null && b.applyEmptyAnswers;
    this.useSslPort = b.useSslPort != null && b.useSslPort;
    this.startTimeoutNanos = (b.startTimeout != null ? b.startTimeout : DEFAULT_START_TIMEOUT)
        .toNanos();
  }

  /**
   * The instances of {@code serviceName} under {@code basePath}, as Curator's {@code
   * ServiceDiscoveryBuilder.basePath(basePath)} registers them; every other setting at its default
   * (see {@link Builder}).
   *
   * @param client a Curator client the application has started (or will start before this source
   *     is started) and closes itself
   * @param basePath the discovery base path, for example {@code /services}
   * @param serviceName the service's name, for example {@code orders}
   * @throws IllegalArgumentException if a name is blank or does not make a valid ZooKeeper path
   */
  public static ZooKeeperEndpointSource of(CuratorFramework client, String basePath,
      String serviceName) {
    return builder(client, basePath, serviceName).build();
  }

  /**
   * Starts configuring a source of the instances of {@code serviceName} under {@code basePath},
   * like {@link #of(CuratorFramework, String, String)}.
   *
   * @throws IllegalArgumentException if a name is blank or does not make a valid ZooKeeper path
   */
  public static Builder builder(CuratorFramework client, String basePath, String serviceName) {
    return new Builder(client, basePath, serviceName);
  }

  /**
   * Starts watching if this is the first open subscription, and delivers to {@code listener}: the
   * first subscriber waits for the first complete list (or an empty answer, or a failure), at most
   * the {@linkplain Builder#startTimeout(Duration) start timeout}, after which it is told {@code
   * ... failed: no answer within 5.0 s}; a later one gets the current list, and the current failure
   * if any. Never throws for a failed read.
   *
   * @throws IllegalStateException if the client is not started
   */
  @Override
  public Subscription start(Listener listener) {
    requireNonNull(listener, "listener");
    CuratorFrameworkState state = client.getState();
    if (state != CuratorFrameworkState.STARTED) {
      throw new IllegalStateException("client: the CuratorFramework is " + state
          + " (expected: STARTED; the application starts it before the load balancer)");
    }
    ServiceWatch watch;
    synchronized (lock) {
      watch = active;
      if (watch == null) {
        watch = new ServiceWatch(this, client, path);
        active = watch;
        watch.open();
      }
      watch.subscriptions++;
    }
    Publisher.Sink sink = watch.add(listener);
    awaitFirstAnswer(sink);
    ServiceWatch started = watch;
    return new Subscription() {
      private boolean closed;

      @Override
      public void close() {
        synchronized (lock) {
          if (closed) {
            return;
          }
          closed = true;
          started.remove(sink);
          if (--started.subscriptions > 0) {
            return;
          }
          if (active == started) {
            active = null;
          }
        }
        started.close();
      }
    };
  }

  /** Waits a little past the start timeout: the watch thread delivers the timeout failure. */
  private void awaitFirstAnswer(Publisher.Sink sink) {
    long wait = startTimeoutNanos + Math.min(startTimeoutNanos, TimeUnit.SECONDS.toNanos(1));
    try {
      sink.answered.get(wait, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // The answer comes later, on the watch thread.
    }
  }

  /** {@code ZooKeeper /services/orders}: the watched znode, with the client's namespace. */
  @Override
  public String description() {
    return description;
  }

  @Override
  public String toString() {
    return "ZooKeeperEndpointSource{" + description + "}";
  }

  /**
   * Configures a {@link ZooKeeperEndpointSource}. Each setter checks its argument at once and may
   * be called once. Not thread-safe: use one builder from one thread.
   */
  public static final class Builder {
    final CuratorFramework client;
    final String path;
    @Nullable Boolean applyEmptyAnswers;
    @Nullable Boolean useSslPort;
    @Nullable Duration startTimeout;

    Builder(CuratorFramework client, String basePath, String serviceName) {
      this.client = requireNonNull(client, "client");
      requireNonNull(basePath, "basePath");
      requireNonNull(serviceName, "serviceName");
      if (basePath.isBlank()) {
        throw new IllegalArgumentException(
            "basePath: '" + basePath + "' (expected: a ZooKeeper path, e.g. /services)");
      }
      if (serviceName.isBlank()) {
        throw new IllegalArgumentException(
            "serviceName: '" + serviceName + "' (expected: a service name, e.g. orders)");
      }
      // The path Curator's ServiceDiscovery uses: ZKPaths.makePath(basePath, name).
      String p = ZKPaths.makePath(basePath, serviceName);
      try {
        PathUtils.validatePath(p);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("basePath and serviceName: '" + basePath + "', '"
            + serviceName + "' make " + p + " (expected: a valid ZooKeeper path: "
            + e.getMessage() + ")", e);
      }
      this.path = p;
    }

    /**
     * Whether an empty answer (the service znode is missing, has no instances, or none usable)
     * empties the list. Default {@code false}: such an answer keeps the last good list and is
     * reported as a failure, because a registry that suddenly lists nobody is more often
     * half-deployed or misconfigured than deliberately drained.
     */
    public Builder applyEmptyAnswers(boolean apply) {
      checkUnset("applyEmptyAnswers", this.applyEmptyAnswers);
      this.applyEmptyAnswers = apply;
      return this;
    }

    /**
     * Whether the endpoint's port is the instance's {@code sslPort} rather than its {@code port}.
     * Default {@code false}. Instances without the chosen port are skipped with a warning.
     */
    public Builder useSslPort(boolean use) {
      checkUnset("useSslPort", this.useSslPort);
      this.useSslPort = use;
      return this;
    }

    /**
     * How long {@link ZooKeeperEndpointSource#start(Listener)} waits for the first complete list.
     * Default 5 seconds: a healthy ensemble answers in milliseconds even for thousands of
     * instances, and a client still connecting gets a few seconds before the load balancer is
     * told {@code no answer}. The list still arrives later, whenever the reads complete.
     *
     * @throws IllegalArgumentException unless between 1 ms and 1 minute
     */
    public Builder startTimeout(Duration timeout) {
      requireNonNull(timeout, "timeout");
      checkUnset("startTimeout", this.startTimeout);
      if (timeout.compareTo(Duration.ofMillis(1)) < 0
          || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException(
            "startTimeout: " + timeout + " (expected: PT0.001S..PT1M)");
      }
      this.startTimeout = timeout;
      return this;
    }

    /** Builds the source; nothing is read until it is started. */
    public ZooKeeperEndpointSource build() {
      return new ZooKeeperEndpointSource(this);
    }

    private static void checkUnset(String setting, @Nullable Object current) {
      if (current != null) {
        throw new IllegalStateException(setting + " was already set to " + current);
      }
    }
  }
}
