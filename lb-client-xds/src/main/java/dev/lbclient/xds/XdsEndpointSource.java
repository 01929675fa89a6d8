package dev.lbclient.xds;

import static java.util.Objects.requireNonNull;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Endpoints from an xDS management server: the {@code ClusterLoadAssignment} of one cluster,
 * watched over an ADS stream (xDS v3, EDS), as Envoy and gRPC's xDS clients receive it.
 *
 * <pre>{@code
 * LoadBalancer orders = LoadBalancer.builder("orders")
 *     .endpoints(XdsEndpointSource.builder("127.0.0.1:18000", "orders").nodeId("client-1").build())
 *     .build();
 * }</pre>
 *
 * <p><b>What is asked for.</b> One gRPC stream, {@code
 * envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources}, subscribed to
 * the resource {@code clusterName} of type {@code
 * type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment}, with this client's node id
 * (and node cluster, if given) in every request. The server pushes a new assignment whenever it
 * changes; each one is delivered as a complete list.
 *
 * <p><b>Mapping.</b> Each {@code lb_endpoints} entry whose {@code health_status} is HEALTHY or
 * UNKNOWN (as gRPC uses them; UNHEALTHY, DRAINING, TIMEOUT and DEGRADED are left out) becomes an
 * {@link Endpoint} of {@code socket_address.address} and {@code port_value}, in the assignment's
 * order. Its {@link Endpoint#weight() weight} is the endpoint's {@code load_balancing_weight}
 * (unset means 1), clamped to 1..65535. Its {@link Endpoint#zone() zone} is the locality's {@code
 * zone};
 * its attributes are {@code priority} (the locality's priority, decimal, {@code "0"} the highest),
 * {@code region} and {@code sub_zone} (when not empty) and {@code locality_weight} (the locality's
 * {@code load_balancing_weight}, when set). The locality weight is <em>not</em> multiplied into the
 * endpoint weight: like an Envoy cluster without {@code locality_weighted_lb_config}, endpoints are
 * weighed among themselves, and a locality-aware picker can read the attribute. Drop overloads and
 * the overprovisioning factor are ignored.
 *
 * <p><b>ACK and NACK.</b> Every response is answered with its nonce: an ACK carries the response's
 * {@code version_info}; a NACK carries the last accepted version and an {@code error_detail}
 * (INVALID_ARGUMENT, naming the field at fault) and keeps the last good list. A response is
 * rejected as a whole when a resource is not a {@code ClusterLoadAssignment}, does not parse, or
 * has an endpoint that cannot be used: no socket address or port, a {@code named_port}, an address
 * that is not a host name or IP, the same address twice, a zone with spaces or {@code ;}, or LEDS.
 * A rejection is reported with {@link Listener#onError} as {@code EDS <cluster> from <server>
 * failed: rejected version <v>: <why>}. A response of another type (never asked for) is ignored
 * and not answered, with one warning.
 *
 * <p><b>When.</b> {@link #start(Listener)} opens the stream and waits for its first outcome (a
 * list, a failure, or the {@linkplain Builder#initialFetchTimeout(Duration) initial-fetch
 * timeout}, 5 s by default); it never throws for a failed stream.
 *
 * <p><b>Failures.</b> When the stream cannot be opened or fails before the server answered, the
 * last good list is kept (no {@link Listener#onEndpoints} call), the failure is reported with
 * {@link Listener#onError} as {@code EDS orders from 127.0.0.1:18000 failed: UNAVAILABLE: ...},
 * which marks the load balancer's source status stale, and the stream is opened again after 1 s, 2
 * s, 4 s ... up to 30 s, each within 20% jitter ({@linkplain Builder#backoff(Duration, Duration)
 * configurable}), asking for the last accepted version. A stream that had worked and then ends is
 * reopened at once (or after the first backoff step if it lasted less than that), as gRPC's xDS
 * client does, so a server that rotates its streams marks nothing stale. One WARN is logged at the
 * first failed attempt and one INFO when a list arrives again; retries log at DEBUG. An
 * assignment with no usable endpoint keeps the last good list and is reported as {@code ... failed:
 * returned no endpoints}, unless {@link Builder#applyEmptyAnswers(boolean)} says to apply it.
 *
 * <p><b>Threads and channel.</b> Each started source has one daemon thread, {@code
 * lb-client-xds-<cluster>}, on which every delivery is made, and one plaintext gRPC channel to the
 * management server (keepalive every 5 minutes), both created by the first {@link
 * #start(Listener)} and closed when the last subscription closes (for a load balancer: by {@code
 * LoadBalancer.close()}). A channel given to {@link Builder#channel(ManagedChannel)} is used
 * instead and never shut down by this source.
 *
 * <p>Instances are immutable in configuration and thread-safe; one instance may serve several load
 * balancers, which then share its stream and its thread.
 */
public final class XdsEndpointSource implements EndpointSource {
  static final Duration DEFAULT_INITIAL_FETCH_TIMEOUT = Duration.ofSeconds(5);
  static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofSeconds(1);
  static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(30);
  static final double BACKOFF_JITTER = 0.2;
  static final String THREAD_PREFIX = "lb-client-xds-";

  final String managementServer;
  final String host;
  final int port;
  final String clusterName;
  final Node node;
  final boolean applyEmptyAnswers;
  final long initialFetchTimeoutNanos;
  final long backoffInitialNanos;
  final long backoffMaxNanos;
  final @Nullable ManagedChannel channel;
  private final DoubleSupplier random;

  private final Object lock = new Object();
  private @Nullable AdsStream active; // guarded by lock

  private XdsEndpointSource(Builder b, String nodeId) {
    this.managementServer = b.managementServer;
    this.host = b.host;
    this.port = b.port;
    this.clusterName = b.clusterName;
    Node.Builder node = Node.newBuilder().setId(nodeId).setUserAgentName("lb-client");
    if (b.nodeCluster != null) {
      node.setCluster(b.nodeCluster);
    }
    this.node = node.build();
    this.applyEmptyAnswers = b.applyEmptyAnswers != null && b.applyEmptyAnswers;
    this.initialFetchTimeoutNanos = (b.initialFetchTimeout != null
        ? b.initialFetchTimeout : DEFAULT_INITIAL_FETCH_TIMEOUT).toNanos();
    this.backoffInitialNanos =
        (b.backoffInitial != null ? b.backoffInitial : DEFAULT_BACKOFF_INITIAL).toNanos();
    this.backoffMaxNanos = (b.backoffMax != null ? b.backoffMax : DEFAULT_BACKOFF_MAX).toNanos();
    this.channel = b.channel;
    this.random = b.random != null ? b.random : () -> ThreadLocalRandom.current().nextDouble();
  }

  /**
   * The assignment of {@code clusterName} from the management server at {@code managementServer}
   * ({@code host:port}, plaintext), asked for as node {@code nodeId}; every other setting at its
   * default (see {@link Builder}).
   *
   * @throws IllegalArgumentException if an argument is not valid; the message names it
   */
  public static XdsEndpointSource of(String managementServer, String clusterName, String nodeId) {
    return builder(managementServer, clusterName).nodeId(nodeId).build();
  }

  /**
   * Starts configuring a source of the assignment of {@code clusterName} from the management server
   * at {@code managementServer}: {@code host:port} or {@code [ipv6]:port}, for example {@code
   * 127.0.0.1:18000} or {@code xds.internal:18000}. {@link Builder#nodeId(String)} is required.
   *
   * @throws IllegalArgumentException if the address is not {@code host:port} or the cluster name is
   *     blank
   */
  public static Builder builder(String managementServer, String clusterName) {
    return new Builder(managementServer, clusterName);
  }

  /**
   * Opens the ADS stream if this is the first open subscription, and delivers to {@code listener}:
   * the first subscriber waits for the stream's first outcome (at most the initial-fetch timeout);
   * a later one gets the current list, and the current failure if any, before this returns. Never
   * throws for a failed stream.
   */
  @Override
  public Subscription start(Listener listener) {
    requireNonNull(listener, "listener");
    AdsStream stream;
    synchronized (lock) {
      stream = active;
      if (stream == null) {
        stream = new AdsStream(this);
        active = stream;
      }
      stream.subscriptions++;
    }
    stream.add(listener);
    AdsStream started = stream;
    return new Subscription() {
      private boolean closed;

      @Override
      public void close() {
        boolean last;
        synchronized (lock) {
          if (closed) {
            return;
          }
          closed = true;
          last = --started.subscriptions == 0;
          if (last && active == started) {
            active = null;
          }
        }
        // Outside the lock: both wait for the stream's thread, whose listeners may call start().
        if (last) {
          started.close();
        } else {
          started.remove(listener);
        }
      }
    };
  }

  /** {@code EDS orders from 127.0.0.1:18000}. */
  @Override
  public String description() {
    return "EDS " + clusterName + " from " + managementServer;
  }

  @Override
  public String toString() {
    return "XdsEndpointSource{" + description() + ", node " + node.getId() + "}";
  }

  /** The stream of the open subscriptions, for tests; {@code null} when none is open. */
  @Nullable AdsStream activeStream() {
    synchronized (lock) {
      return active;
    }
  }

  /**
   * initial x 2^(failures - 1), capped at the maximum, times a factor uniform in [0.8, 1.2): so 1
   * s, 2 s, 4 s, ... 30 s, 30 s, ... by default, each within 20%.
   */
  long backoffNanos(int failures) {
    long base = backoffMaxNanos;
    int doublings = failures - 1;
    if (doublings < 62 && backoffInitialNanos <= (backoffMaxNanos >> doublings)) {
      base = backoffInitialNanos << doublings;
    }
    double factor = 1 + BACKOFF_JITTER * (2 * random.getAsDouble() - 1);
    return (long) (base * factor);
  }

  /**
   * Configures an {@link XdsEndpointSource}. Each setter checks its argument at once and may be
   * called once; {@link #build()} checks that the node id was given. Not thread-safe: use one
   * builder from one thread.
   */
  public static final class Builder {
    final String managementServer;
    final String host;
    final int port;
    final String clusterName;
    @Nullable String nodeId;
    @Nullable String nodeCluster;
    @Nullable Boolean applyEmptyAnswers;
    @Nullable Duration initialFetchTimeout;
    @Nullable Duration backoffInitial;
    @Nullable Duration backoffMax;
    @Nullable ManagedChannel channel;
    @Nullable DoubleSupplier random;

    Builder(String managementServer, String clusterName) {
      requireNonNull(managementServer, "managementServer");
      requireNonNull(clusterName, "clusterName");
      String hostPart;
      String portPart;
      String s = managementServer;
      int colon = s.lastIndexOf(':');
      if (s.startsWith("[") && colon > 0 && s.charAt(colon - 1) == ']') {
        hostPart = s.substring(1, colon - 1);
        portPart = s.substring(colon + 1);
      } else if (colon > 0 && s.indexOf(':') == colon) {
        hostPart = s.substring(0, colon);
        portPart = s.substring(colon + 1);
      } else {
        throw badServer(managementServer, null);
      }
      int p;
      try {
        p = portPart.chars().allMatch(c -> c >= '0' && c <= '9') && portPart.length() <= 5
            ? Integer.parseInt(portPart) : -1;
        this.host = Endpoint.of(hostPart, p).host();
      } catch (IllegalArgumentException e) {
        throw badServer(managementServer, e);
      }
      this.managementServer = managementServer;
      this.port = p;
      this.clusterName = checkNotBlank("clusterName", clusterName);
    }

    private static IllegalArgumentException badServer(String value, @Nullable Exception cause) {
      return new IllegalArgumentException("managementServer: '" + value
          + "' (expected: host:port or [ipv6]:port, e.g. 127.0.0.1:18000)", cause);
    }

    /**
     * The id of this client's node, sent in every request ({@code node.id}); management servers
     * (java-control-plane's {@code SimpleCache}, go-control-plane, Istio) choose the configuration
     * they send by it. Required.
     *
     * @throws IllegalArgumentException if blank
     */
    public Builder nodeId(String nodeId) {
      requireNonNull(nodeId, "nodeId");
      checkUnset("nodeId", this.nodeId);
      this.nodeId = checkNotBlank("nodeId", nodeId);
      return this;
    }

    /**
     * The cluster this client's node belongs to ({@code node.cluster}, Envoy's {@code
     * --service-cluster}), for servers that group nodes by it. Default: not sent.
     *
     * @throws IllegalArgumentException if blank
     */
    public Builder nodeCluster(String nodeCluster) {
      requireNonNull(nodeCluster, "nodeCluster");
      checkUnset("nodeCluster", this.nodeCluster);
      this.nodeCluster = checkNotBlank("nodeCluster", nodeCluster);
      return this;
    }

    /**
     * Whether an assignment with no usable endpoint (none listed, or none HEALTHY or UNKNOWN)
     * empties the list. Default {@code false}: such an assignment is ACKed but treated like a
     * failure (the last good list is kept and the source reported stale), because an empty
     * assignment is more often a control plane that lost track of the service than a deliberate
     * shutdown. Envoy applies it; say {@code true} to do the same.
     */
    public Builder applyEmptyAnswers(boolean apply) {
      checkUnset("applyEmptyAnswers", this.applyEmptyAnswers);
      this.applyEmptyAnswers = apply;
      return this;
    }

    /**
     * How long the first {@link XdsEndpointSource#start(Listener)} waits for the first assignment
     * (Envoy's {@code initial_fetch_timeout}). When it passes without one, start returns, the
     * source reports {@code ... failed: no ClusterLoadAssignment for '<cluster>' within <t>}, and
     * the stream goes on waiting. Default 5 seconds: a server that has the resource answers in
     * milliseconds, and building a load balancer should not hang for Envoy's 15.
     *
     * @throws IllegalArgumentException unless between 1 ms and 1 minute
     */
    public Builder initialFetchTimeout(Duration timeout) {
      requireNonNull(timeout, "timeout");
      checkUnset("initialFetchTimeout", this.initialFetchTimeout);
      if (timeout.compareTo(Duration.ofMillis(1)) < 0
          || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException(
            "initialFetchTimeout: " + timeout + " (expected: PT0.001S..PT1M)");
      }
      this.initialFetchTimeout = timeout;
      return this;
    }

    /**
     * The delays before reopening a stream that failed: {@code initial}, then doubling up to {@code
     * max}, each multiplied by a random factor in [0.8, 1.2). Default 1 second to 30 seconds (the
     * bounds of Envoy's and gRPC's xDS retries): a blip is retried at once, an outage costs the
     * management server one connection attempt per half-minute per client.
     *
     * @throws IllegalArgumentException unless both are positive and {@code initial <= max}
     */
    public Builder backoff(Duration initial, Duration max) {
      requireNonNull(initial, "initial");
      requireNonNull(max, "max");
      checkUnset("backoff", this.backoffInitial);
      checkPositive("backoff initial", initial);
      checkPositive("backoff max", max);
      if (initial.compareTo(max) > 0) {
        throw new IllegalArgumentException("backoff: " + initial + " to " + max
            + " (expected: initial <= max)");
      }
      this.backoffInitial = initial;
      this.backoffMax = max;
      return this;
    }

    /**
     * The channel to the management server, for TLS, call credentials, a custom name resolver or
     * transport. The address given to {@link XdsEndpointSource#builder(String, String)} then only
     * names the server in messages. The source opens and cancels its stream on this channel, and
     * calls its {@code resetConnectBackoff()} before a retry so that the source's backoff decides
     * when to reconnect, but never shuts it down: its owner does, after closing the load balancers
     * that use it. Default: a plaintext channel to the address, made and shut down by the source.
     */
    public Builder channel(ManagedChannel channel) {
      requireNonNull(channel, "channel");
      checkUnset("channel", this.channel);
      this.channel = channel;
      return this;
    }

    /** Uniform values in [0, 1) for the backoff jitter, in tests. */
    Builder random(DoubleSupplier random) {
      checkUnset("random", this.random);
      this.random = requireNonNull(random, "random");
      return this;
    }

    /**
     * Builds the source; nothing is connected until it is started.
     *
     * @throws IllegalStateException if {@link #nodeId(String)} was not called
     */
    public XdsEndpointSource build() {
      String id = nodeId;
      if (id == null) {
        throw new IllegalStateException("nodeId is not set (expected: the node id the management"
            + " server knows this client by, e.g. nodeId(\"client-1\"))");
      }
      return new XdsEndpointSource(this, id);
    }

    private static String checkNotBlank(String setting, String value) {
      if (value.isBlank()) {
        throw new IllegalArgumentException(setting + ": '" + value + "' (expected: not blank)");
      }
      return value;
    }

    private static void checkPositive(String setting, Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(setting + ": " + d + " (expected: positive)");
      }
    }

    private static void checkUnset(String setting, @Nullable Object current) {
      if (current != null) {
        throw new IllegalStateException(setting + " was already set to " + current);
      }
    }
  }
}
