package dev.lbclient.kubernetes;

import static java.util.Objects.requireNonNull;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Endpoints from Kubernetes: the EndpointSlices ({@code discovery.k8s.io/v1}) of one Service,
 * watched through a fabric8 {@link KubernetesClient}, for one named port of that Service.
 *
 * <pre>{@code
 * LoadBalancer orders = LoadBalancer.builder("orders")
 *     .endpoints(KubernetesEndpointSource.of(client, "default", "orders", "http"))
 *     .build();
 * }</pre>
 *
 * <p><b>What is watched.</b> The EndpointSlices in the namespace that carry the label {@code
 * kubernetes.io/service-name=<service>}, through a fabric8 informer: it lists them, then watches,
 * and after a broken watch it resumes or lists again by itself (so the list it holds is complete
 * across reconnects). Every change is merged at once into one complete snapshot of all slices;
 * a list or re-list is delivered as one snapshot when it completes, not slice by slice.
 *
 * <p><b>What becomes an endpoint.</b> From each slice the port whose {@code name} equals the port
 * name is taken; a slice that has endpoints but no such port contributes nothing and is logged once
 * at WARN. Each address of each chosen endpoint becomes an {@link Endpoint} with that port and
 * weight 1; an address listed by two slices is kept once. Chosen, as kube-proxy chooses: the
 * endpoints that are ready (a missing {@code ready} condition counts as ready, as the API says);
 * when none is ready, those that are serving while terminating (see {@link
 * Builder#terminatingFallback(boolean)}), marked with the attribute {@code terminating=true}. The
 * endpoint's {@code zone} becomes {@link Endpoint#zone()}; its node name and target
 * ({@code Pod/orders-5d8f7-x2x9q}) become the attributes {@code nodeName} and {@code targetRef}.
 * Topology hints ({@code hints.forZones}) are ignored: zone preference is the load balancer's own.
 * Slices of every address type are used: a dual-stack Service has IPv4 and IPv6 slices, so each of
 * its pods is in the list once per family; {@code FQDN} slices give host names.
 *
 * <p><b>Failures.</b> When listing fails, or the watch has been down for 5 s, the last good list
 * is kept (no {@link Listener#onEndpoints} call) and the failure is reported with {@link
 * Listener#onError} as {@code EndpointSlices <namespace>/<service> port <port> failed: <why>},
 * which marks the load balancer's {@code SourceStatus} stale; the next complete list is delivered
 * when the informer is back. Reconnecting is left to fabric8, which retries with exponential
 * backoff from the client's {@code watchReconnectInterval} (1 s by default, doubling up to 32
 * times that). This source logs one WARN when a failure starts and one INFO when it ends; note
 * that fabric8 itself logs each failed list at WARN. An answer with no usable endpoint (no slices,
 * no ready endpoint, no slice with the port) keeps the last good list in the same way, reported as
 * {@code ... failed: returned no endpoints (<why>)}, unless {@link
 * Builder#applyEmptyAnswers(boolean)} says to deliver it.
 *
 * <p><b>Threads.</b> Each started source runs one informer on the client's own threads, plus one
 * daemon thread, {@code lb-client-kubernetes-<namespace>/<service>}, that checks once a second
 * whether the watch is up. Both are created by the first {@link #start(Listener)} and stopped when
 * the last subscription closes. The {@link KubernetesClient} belongs to the caller and is never
 * closed here.
 *
 * <p>Instances are immutable in configuration and thread-safe; one instance may serve several load
 * balancers, which then share its informer.
 */
public final class KubernetesEndpointSource implements EndpointSource {
  /** The label that ties an EndpointSlice to its Service. */
  static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
  static final Duration DEFAULT_INITIAL_TIMEOUT = Duration.ofSeconds(5);
  static final Duration DEFAULT_CHECK_PERIOD = Duration.ofSeconds(1);
  static final Duration DEFAULT_DISCONNECT_GRACE = Duration.ofSeconds(5);

  final KubernetesClient client;
  final String namespace;
  final String service;
  final String portName;
  final boolean applyEmptyAnswers;
  final boolean terminatingFallback;
  final long initialTimeoutNanos;
  final long checkPeriodNanos;
  final long disconnectGraceNanos;

  private final Object lock = new Object();
  private @Nullable SliceWatch active; // guarded by lock

  private KubernetesEndpointSource(Builder b) {
    this.client = b.client;
    this.namespace = b.namespace;
    this.service = b.service;
    this.portName = b.portName;
    this.applyEmptyAnswers = b.applyEmptyAnswers != null && b.applyEmptyAnswers;
    this.terminatingFallback = b.terminatingFallback == null || b.terminatingFallback;
    this.initialTimeoutNanos =
        (b.initialTimeout != null ? b.initialTimeout : DEFAULT_INITIAL_TIMEOUT).toNanos();
    this.checkPeriodNanos = (b.checkPeriod != null ? b.checkPeriod : DEFAULT_CHECK_PERIOD).toNanos();
    this.disconnectGraceNanos =
        (b.disconnectGrace != null ? b.disconnectGrace : DEFAULT_DISCONNECT_GRACE).toNanos();
  }

  /**
   * The endpoints of port {@code portName} of Service {@code service} in {@code namespace}; every
   * other setting at its default (see {@link Builder}).
   *
   * @param client the caller's client; it is used, never closed
   * @param namespace the Service's namespace, for example {@code default}
   * @param service the Service's name
   * @param portName the name of one of the Service's ports (as in {@code spec.ports[].name})
   * @throws IllegalArgumentException if a name is not a valid Kubernetes name; the message names
   *     the argument
   */
  public static KubernetesEndpointSource of(KubernetesClient client, String namespace,
      String service, String portName) {
    return builder(client, namespace, service, portName).build();
  }

  /**
   * Starts configuring a source, like {@link #of(KubernetesClient, String, String, String)}.
   *
   * @throws IllegalArgumentException if a name is not a valid Kubernetes name; the message names
   *     the argument
   */
  public static Builder builder(KubernetesClient client, String namespace, String service,
      String portName) {
    return new Builder(client, namespace, service, portName);
  }

  /**
   * Starts the informer if this is the first open subscription, and delivers to {@code listener}:
   * the first subscriber waits for the first list (at most the {@linkplain
   * Builder#initialTimeout(Duration) initial timeout}) or its failure; a later one gets the current
   * list, and the current failure if any, before this returns. Never throws for a failed list.
   */
  @Override
  public Subscription start(Listener listener) {
    requireNonNull(listener, "listener");
    SliceWatch watch;
    boolean first = false;
    synchronized (lock) {
      watch = active;
      if (watch == null) {
        watch = new SliceWatch(this);
        active = watch;
        first = true;
      }
      watch.subscriptions++;
    }
    watch.add(listener);
    if (first) {
      watch.start();
    }
    watch.awaitFirstAnswer(initialTimeoutNanos);
    SliceWatch started = watch;
    return new Subscription() {
      private boolean closed;

      @Override
      public void close() {
        synchronized (lock) {
          if (closed) {
            return;
          }
          closed = true;
          started.remove(listener);
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

  /** {@code EndpointSlices default/orders port http}. */
  @Override
  public String description() {
    return "EndpointSlices " + namespace + "/" + service + " port " + portName;
  }

  @Override
  public String toString() {
    return "KubernetesEndpointSource{" + description() + "}";
  }

  /** The started informer, or null; for tests. */
  @Nullable SliceWatch active() {
    synchronized (lock) {
      return active;
    }
  }

  /**
   * Configures a {@link KubernetesEndpointSource}. Each setter checks its argument at once and may
   * be called once. Not thread-safe: use one builder from one thread.
   */
  public static final class Builder {
    final KubernetesClient client;
    final String namespace;
    final String service;
    final String portName;
    @Nullable Boolean applyEmptyAnswers;
    @Nullable Boolean terminatingFallback;
    @Nullable Duration initialTimeout;
    @Nullable Duration checkPeriod;
    @Nullable Duration disconnectGrace;

    Builder(KubernetesClient client, String namespace, String service, String portName) {
      this.client = requireNonNull(client, "client");
      this.namespace = checkName("namespace", namespace, false);
      this.service = checkName("service", service, true);
      this.portName = checkName("portName", portName, false);
    }

    /**
     * Whether an answer with no usable endpoint (no EndpointSlices, none ready, none with the
     * port) empties the list. Default {@code false}: such an answer is treated like a failure (the
     * last good list is kept and the source reported stale), as a Service with no endpoints at all
     * is more often a deleted or half-deployed Service than a deliberate scale to zero. With {@code
     * true} the empty list is delivered, and the load balancer fails its picks until endpoints come
     * back.
     */
    public Builder applyEmptyAnswers(boolean apply) {
      checkUnset("applyEmptyAnswers", this.applyEmptyAnswers);
      this.applyEmptyAnswers = apply;
      return this;
    }

    /**
     * Whether, when no endpoint of the Service is ready, the endpoints that are serving while
     * terminating are used instead. Default {@code true}, as kube-proxy does: during a rolling
     * restart in which every old pod is shutting down and no new one is ready yet, the old ones
     * still finish requests rather than none being served at all. With {@code false} only ready
     * endpoints are used.
     */
    public Builder terminatingFallback(boolean enabled) {
      checkUnset("terminatingFallback", this.terminatingFallback);
      this.terminatingFallback = enabled;
      return this;
    }

    /**
     * How long the first {@link KubernetesEndpointSource#start(Listener)} waits for the first list
     * or its failure; the informer goes on in the background after that. Default 5 seconds.
     *
     * @throws IllegalArgumentException unless between 1 ms and 1 minute
     */
    public Builder initialTimeout(Duration timeout) {
      requireNonNull(timeout, "timeout");
      checkUnset("initialTimeout", this.initialTimeout);
      if (timeout.compareTo(Duration.ofMillis(1)) < 0
          || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException(
            "initialTimeout: " + timeout + " (expected: " + Duration.ofMillis(1) + ".."
                + Duration.ofMinutes(1) + ")");
      }
      this.initialTimeout = timeout;
      return this;
    }

    /**
     * How often the watch is checked, and how long it may be down before the source reports
     * itself stale; tests shorten both.
     */
    Builder watchCheck(Duration period, Duration grace) {
      checkUnset("watchCheck", this.checkPeriod);
      this.checkPeriod = requireNonNull(period, "period");
      this.disconnectGrace = requireNonNull(grace, "grace");
      return this;
    }

    /** Builds the source; nothing is listed or watched until it is started. */
    public KubernetesEndpointSource build() {
      return new KubernetesEndpointSource(this);
    }

    /**
     * A Kubernetes name: an RFC 1123 label for namespaces and port names, an RFC 1035 label
     * (starting with a letter) for Services.
     */
    private static String checkName(String what, String value, boolean letterFirst) {
      requireNonNull(value, what);
      boolean ok = !value.isEmpty() && value.length() <= 63
          && value.charAt(value.length() - 1) != '-'
          && (letterFirst ? isLower(value.charAt(0)) : value.charAt(0) != '-');
      for (int i = 0; ok && i < value.length(); i++) {
        char c = value.charAt(i);
        ok = isLower(c) || (c >= '0' && c <= '9') || c == '-';
      }
      if (!ok) {
        throw new IllegalArgumentException(what + ": '" + value + "' (expected: a Kubernetes name:"
            + " lowercase letters, digits and '-', " + (letterFirst ? "starting with a letter, " : "")
            + "at most 63 characters)");
      }
      return value;
    }

    private static boolean isLower(char c) {
      return c >= 'a' && c <= 'z';
    }

    private static void checkUnset(String setting, @Nullable Object current) {
      if (current != null) {
        throw new IllegalStateException(setting + " was already set to " + current);
      }
    }
  }
}
