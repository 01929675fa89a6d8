package dev.lbclient.dns;

import static java.util.Objects.requireNonNull;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.SourceStatus;
import dev.lbclient.Ticker;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.xbill.DNS.Address;
import org.xbill.DNS.Name;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;

/**
 * Endpoints from DNS: the addresses of a host name (A and AAAA records) or a service's SRV
 * records, refreshed as their TTLs run out.
 *
 * <pre>{@code
 * LoadBalancer orders = LoadBalancer.builder("orders")
 *     .endpoints(DnsEndpointSource.srv("_http._tcp.orders.internal"))
 *     .build();
 * }</pre>
 *
 * <p><b>What is looked up.</b> {@link #a(String, int)} queries both A and AAAA records (IPv4
 * first in the list), each address given the port; {@link Builder#addressFamilies} limits that to
 * one family. {@link #srv(String)} queries SRV records and uses the lowest priority that yields at
 * least one address: records with port 0 or target {@code "."} ("service not available", RFC 2782)
 * are ignored with a warning, and targets are resolved to addresses from the answer's additional
 * section when it holds them, by A/AAAA queries otherwise. An SRV weight becomes the endpoint's
 * {@link Endpoint#weight() weight}, except that weight 0 becomes 1 (endpoint weights start at 1; it
 * is the smallest share, which is what RFC 2782 asks for weight 0). Names are absolute: no search
 * list is applied. Queries go straight to the DNS servers through dnsjava with no cache, never
 * through the JVM's {@code InetAddress} cache; a truncated UDP answer is asked again over TCP.
 *
 * <p><b>When.</b> The first lookup runs in {@link #start(Listener)}, which waits for it for up to
 * the query timeout and never throws for a failed lookup. The next lookup comes when the smallest
 * TTL of the records used runs out, clamped to [{@linkplain Builder#minTtl(Duration) min}, {@linkplain
 * Builder#maxTtl(Duration) max}] and brought forward by up to the {@linkplain
 * Builder#refreshJitter(double) refresh jitter}.
 *
 * <p><b>Failures.</b> On NXDOMAIN, SERVFAIL or another error code, a timeout, or a malformed or
 * truncated answer, the last good list is kept (no {@link Listener#onEndpoints} call), the failure
 * is reported with {@link Listener#onError} as {@code <TYPE> <name> failed: <what happened>} (for
 * example {@code SRV _http._tcp.orders.internal failed: SERVFAIL}), which marks the load
 * balancer's {@link SourceStatus} stale, and the lookup is retried after 1 s, 2 s, 4 s ... up to 32
 * s, each within 20% jitter. An answer with no records (NOERROR) keeps the last good list in the
 * same way unless {@link Builder#applyEmptyAnswers(boolean)} says to apply it.
 *
 * <p><b>Threads.</b> No thread of its own: every started source schedules its refreshes on one
 * process-wide daemon timer thread, {@code lb-client-dns-timer}, and runs each lookup on a shared
 * daemon thread, {@code lb-client-dns-N}, that exists only while lookups run. Refreshes stop when
 * the last subscription closes (for a load balancer: by {@link LoadBalancer#close()}), which also
 * interrupts a lookup in progress.
 *
 * <p>Instances are immutable in configuration and thread-safe; one instance may serve several
 * load balancers, which then share its lookups.
 */
public final class DnsEndpointSource implements EndpointSource {
  static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(2);
  static final Duration DEFAULT_MIN_TTL = Duration.ofSeconds(5);
  static final Duration DEFAULT_MAX_TTL = Duration.ofSeconds(60);
  static final double DEFAULT_REFRESH_JITTER = 0.1;
  static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofSeconds(1);
  static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(32);
  static final double BACKOFF_JITTER = 0.2;
  private static final String THREAD_PREFIX = "lb-client-dns-";

  private final boolean isSrv;
  private final Name name;
  private final String shownName;
  private final int port;
  private final List<InetSocketAddress> servers;
  private final Duration queryTimeout;
  final long minTtlNanos;
  final long maxTtlNanos;
  final double refreshJitter;
  final long backoffInitialNanos;
  final long backoffMaxNanos;
  private final boolean ipv4;
  private final boolean ipv6;
  final boolean applyEmptyAnswers;
  final Ticker ticker;
  final RandomGenerator rng;
  private final Function<String, DnsScheduler> schedulers;

  private final Object lock = new Object();
  private @Nullable DnsRefresher active; // guarded by lock

  private DnsEndpointSource(Builder b) {
    this.isSrv = b.isSrv;
    this.name = b.name;
    this.shownName = b.shownName;
    this.port = b.port;
    this.servers = b.servers != null ? b.servers : List.of();
    this.queryTimeout = b.queryTimeout != null ? b.queryTimeout : DEFAULT_QUERY_TIMEOUT;
    this.minTtlNanos = (b.minTtl != null ? b.minTtl : DEFAULT_MIN_TTL).toNanos();
    this.maxTtlNanos = (b.maxTtl != null ? b.maxTtl : DEFAULT_MAX_TTL).toNanos();
    this.refreshJitter = b.refreshJitter != null ? b.refreshJitter : DEFAULT_REFRESH_JITTER;
    this.backoffInitialNanos =
        (b.backoffInitial != null ? b.backoffInitial : DEFAULT_BACKOFF_INITIAL).toNanos();
    this.backoffMaxNanos = (b.backoffMax != null ? b.backoffMax : DEFAULT_BACKOFF_MAX).toNanos();
    Set<StandardProtocolFamily> families =
        b.families != null ? b.families : EnumSet.of(StandardProtocolFamily.INET,
            StandardProtocolFamily.INET6);
    this.ipv4 = families.contains(StandardProtocolFamily.INET);
    this.ipv6 = families.contains(StandardProtocolFamily.INET6);
    this.applyEmptyAnswers = b.applyEmptyAnswers != null && b.applyEmptyAnswers;
    this.ticker = b.ticker != null ? b.ticker : Ticker.system();
    this.rng = b.rng != null ? b.rng : ThreadLocalRandomGenerator.INSTANCE;
    this.schedulers = b.schedulers != null ? b.schedulers : name -> DnsScheduler.shared();
  }

  /**
   * The A and AAAA records of {@code hostname}, each address with {@code port}; every other
   * setting at its default (see {@link Builder}).
   *
   * @throws IllegalArgumentException if the host name is not a DNS name (an IP address is not:
   *     use {@link EndpointSource#of(String...)}) or the port is outside 1..65535
   */
  public static DnsEndpointSource a(String hostname, int port) {
    return builder(hostname, port).build();
  }

  /**
   * The SRV records of {@code name}, for example {@code _http._tcp.orders.internal}; every other
   * setting at its default (see {@link Builder}).
   *
   * @throws IllegalArgumentException if the name is not a DNS name
   */
  public static DnsEndpointSource srv(String name) {
    return builder(name).build();
  }

  /**
   * Starts configuring a source of the SRV records of {@code srvName}, like {@link #srv(String)}.
   *
   * @throws IllegalArgumentException if the name is not a DNS name
   */
  public static Builder builder(String srvName) {
    return new Builder(true, srvName, 0);
  }

  /**
   * Starts configuring a source of the A and AAAA records of {@code hostname}, like {@link
   * #a(String, int)}.
   *
   * @throws IllegalArgumentException if the host name is not a DNS name or the port is outside
   *     1..65535
   */
  public static Builder builder(String hostname, int port) {
    return new Builder(false, hostname, port);
  }

  /**
   * Starts the lookups if this is the first open subscription, and delivers to {@code listener}:
   * the first subscriber waits for the first lookup (at most the query timeout); a later one gets
   * the current list, and the current failure if any, before this returns. Never throws for a
   * failed lookup.
   */
  @Override
  public Subscription start(Listener listener) {
    requireNonNull(listener, "listener");
    DnsRefresher refresher;
    synchronized (lock) {
      refresher = active;
      if (refresher == null) {
        DnsLookup lookup = new DnsLookup(newResolvers(), queryTimeout.toNanos(), ipv4, ipv6);
        refresher = new DnsRefresher(this, lookup, schedulers.apply(THREAD_PREFIX + shownName));
        active = refresher;
      }
      refresher.subscriptions++;
    }
    refresher.add(listener);
    DnsRefresher started = refresher;
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

  /** {@code A orders.internal:8080} or {@code SRV _http._tcp.orders.internal}. */
  @Override
  public String description() {
    return isSrv ? "SRV " + shownName : query() + ":" + port;
  }

  @Override
  public String toString() {
    return "DnsEndpointSource{" + description() + "}";
  }

  /** The query as failures name it: {@code A orders.internal}, {@code SRV _http._tcp...}. */
  String query() {
    return (isSrv ? "SRV " : ipv4 ? "A " : "AAAA ") + shownName;
  }

  DnsLookup.Answer lookup(DnsLookup lookup) throws DnsLookup.Failure, InterruptedException {
    return isSrv ? lookup.srv(name, shownName) : lookup.addresses(name, shownName, port);
  }

  /**
   * One {@link SimpleResolver} per server (it asks again over TCP when an answer is truncated),
   * each with the query timeout; {@link DnsLookup} moves from one to the next.
   */
  private List<Resolver> newResolvers() {
    List<InetSocketAddress> list = servers.isEmpty()
        ? ResolverConfig.getCurrentConfig().servers() : servers;
    if (list.isEmpty()) {
      list = List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53));
    }
    List<Resolver> resolvers = new ArrayList<>(list.size());
    for (InetSocketAddress server : list) {
      SimpleResolver r = new SimpleResolver(server);
      r.setTimeout(queryTimeout);
      resolvers.add(r);
    }
    return resolvers;
  }

  /**
   * Configures a {@link DnsEndpointSource}. Each setter checks its argument at once and may be
   * called once; {@link #build()} checks settings against each other. Not thread-safe: use one
   * builder from one thread.
   */
  public static final class Builder {
    final boolean isSrv;
    final Name name;
    final String shownName;
    final int port;
    @Nullable List<InetSocketAddress> servers;
    @Nullable Duration queryTimeout;
    @Nullable Duration minTtl;
    @Nullable Duration maxTtl;
    @Nullable Double refreshJitter;
    @Nullable Duration backoffInitial;
    @Nullable Duration backoffMax;
    @Nullable Set<StandardProtocolFamily> families;
    @Nullable Boolean applyEmptyAnswers;
    @Nullable Ticker ticker;
    @Nullable RandomGenerator rng;
    @Nullable Function<String, DnsScheduler> schedulers;

    Builder(boolean isSrv, String name, int port) {
      requireNonNull(name, "name");
      String what = isSrv ? "name" : "hostname";
      String shown = name.endsWith(".") && name.length() > 1
          ? name.substring(0, name.length() - 1) : name;
      if (shown.isEmpty() || shown.equals(".")) {
        throw new IllegalArgumentException(what + ": '" + name + "' (expected: a DNS name)");
      }
      if (!isSrv && (Address.isDottedQuad(shown) || shown.indexOf(':') >= 0)) {
        throw new IllegalArgumentException(what + ": '" + name
            + "' (expected: a DNS name; for a fixed address use EndpointSource.of)");
      }
      try {
        this.name = Name.fromString(shown, Name.root);
      } catch (TextParseException e) {
        throw new IllegalArgumentException(
            what + ": '" + name + "' (expected: a DNS name: " + e.getMessage() + ")", e);
      }
      this.isSrv = isSrv;
      this.shownName = shown;
      if (!isSrv && (port < 1 || port > 65_535)) {
        throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
      }
      this.port = isSrv ? 0 : port;
    }

    /**
     * The DNS servers to ask, each a resolved address and port (for example {@code new
     * InetSocketAddress("10.0.0.53", 53)}). With several, they are asked in this order, each for
     * an equal share of the query timeout, moving on when one does not answer, fails, or answers
     * SERVFAIL or REFUSED. Default: the system's resolver configuration as dnsjava reads it ({@code
     * /etc/resolv.conf} or the platform's equivalent), read when the source starts.
     *
     * @throws IllegalArgumentException if none is given or one is unresolved
     */
    public Builder servers(InetSocketAddress... servers) {
      requireNonNull(servers, "servers");
      checkUnset("servers", this.servers);
      if (servers.length == 0) {
        throw new IllegalArgumentException("servers: [] (expected: at least one address)");
      }
      for (int i = 0; i < servers.length; i++) {
        InetSocketAddress s = requireNonNull(servers[i], "servers[" + i + "]");
        if (s.isUnresolved()) {
          throw new IllegalArgumentException("servers[" + i + "]: " + s
              + " (expected: a resolved address, e.g. new InetSocketAddress(\"10.0.0.53\", 53))");
        }
      }
      this.servers = List.of(servers);
      return this;
    }

    /**
     * The longest one lookup may take, all retries and (for SRV) the target lookups included;
     * {@link DnsEndpointSource#start(Listener)} waits at most this long. Default 2 seconds: an
     * answer from a data-centre resolver takes milliseconds, and a first pick should not wait for
     * the 5-second resolv.conf default.
     *
     * @throws IllegalArgumentException unless between 1 ms and 1 minute
     */
    public Builder queryTimeout(Duration timeout) {
      requireNonNull(timeout, "timeout");
      checkUnset("queryTimeout", this.queryTimeout);
      checkRange("queryTimeout", timeout, Duration.ofMillis(1), Duration.ofMinutes(1));
      this.queryTimeout = timeout;
      return this;
    }

    /**
     * The shortest time between refreshes, whatever the TTL. Default 5 seconds: a TTL of 0
     * (Consul's default) or 1 second would otherwise mean a query per second per client, while 5
     * seconds is what CoreDNS gives Kubernetes service records, so those are followed at their own
     * pace.
     *
     * @throws IllegalArgumentException unless positive
     */
    public Builder minTtl(Duration minTtl) {
      requireNonNull(minTtl, "minTtl");
      checkUnset("minTtl", this.minTtl);
      checkPositive("minTtl", minTtl);
      this.minTtl = minTtl;
      return this;
    }

    /**
     * The longest time between refreshes, whatever the TTL. Default 60 seconds: records with long
     * TTLs (hours are common) would otherwise hide a new or removed server for that long; one
     * query a minute per source is no load for a resolver.
     *
     * @throws IllegalArgumentException unless positive
     */
    public Builder maxTtl(Duration maxTtl) {
      requireNonNull(maxTtl, "maxTtl");
      checkUnset("maxTtl", this.maxTtl);
      checkPositive("maxTtl", maxTtl);
      this.maxTtl = maxTtl;
      return this;
    }

    /**
     * How much earlier than the clamped TTL a refresh may come, as a fraction: the refresh is at a
     * uniformly random point in [TTL x (1 - jitter), TTL]. Default 0.1: clients that got the same
     * answer at the same moment spread their next queries over the last tenth of the TTL, and no
     * record is used past its TTL. 0 turns jitter off.
     *
     * @throws IllegalArgumentException unless between 0.0 and 0.5
     */
    public Builder refreshJitter(double fraction) {
      checkUnset("refreshJitter", this.refreshJitter);
      if (!(fraction >= 0.0 && fraction <= 0.5)) {
        throw new IllegalArgumentException(
            "refreshJitter: " + fraction + " (expected: 0.0..0.5)");
      }
      this.refreshJitter = fraction;
      return this;
    }

    /**
     * The retry delays after failed lookups: {@code initial}, then doubling up to {@code max}, each
     * multiplied by a random factor in [0.8, 1.2). Default 1 second to 32 seconds: a blip is
     * retried at once, while an outage costs a resolver one query per half-minute per client.
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
     * Which address records to query: {@link StandardProtocolFamily#INET} for A, {@link
     * StandardProtocolFamily#INET6} for AAAA. Applies to the host name of {@link
     * DnsEndpointSource#a} and to SRV targets. Default both.
     *
     * @throws IllegalArgumentException if none is given or one is {@code UNIX}
     */
    public Builder addressFamilies(StandardProtocolFamily... families) {
      requireNonNull(families, "families");
      checkUnset("addressFamilies", this.families);
      if (families.length == 0) {
        throw new IllegalArgumentException("addressFamilies: [] (expected: INET and/or INET6)");
      }
      Set<StandardProtocolFamily> set = EnumSet.noneOf(StandardProtocolFamily.class);
      for (int i = 0; i < families.length; i++) {
        StandardProtocolFamily f = requireNonNull(families[i], "families[" + i + "]");
        if (f != StandardProtocolFamily.INET && f != StandardProtocolFamily.INET6) {
          throw new IllegalArgumentException("addressFamilies: " + Arrays.toString(families)
              + " (expected: INET and/or INET6)");
        }
        set.add(f);
      }
      this.families = set;
      return this;
    }

    /**
     * Whether an answer with no usable records (NOERROR with no records, or only SRV records that
     * say "not available") empties the list. Default {@code false}: such an answer is treated like
     * a failure (the last good list is kept and the source reported stale) because an empty
     * answer is more often a misconfigured or half-updated zone than a deliberate shutdown.
     */
    public Builder applyEmptyAnswers(boolean apply) {
      checkUnset("applyEmptyAnswers", this.applyEmptyAnswers);
      this.applyEmptyAnswers = apply;
      return this;
    }

    /** The clock the refresh bookkeeping reads; tests pass a fake one. */
    Builder ticker(Ticker ticker) {
      checkUnset("ticker", this.ticker);
      this.ticker = requireNonNull(ticker, "ticker");
      return this;
    }

    /** Seeded randomness for the jitter, in tests. */
    Builder rng(RandomGenerator rng) {
      checkUnset("rng", this.rng);
      this.rng = requireNonNull(rng, "rng");
      return this;
    }

    /** Makes the scheduler of each start, given the thread name; tests run on virtual time. */
    Builder schedulers(Function<String, DnsScheduler> schedulers) {
      checkUnset("schedulers", this.schedulers);
      this.schedulers = requireNonNull(schedulers, "schedulers");
      return this;
    }

    /**
     * Builds the source; nothing is looked up until it is started.
     *
     * @throws IllegalStateException if the minimum TTL exceeds the maximum
     */
    public DnsEndpointSource build() {
      Duration min = minTtl != null ? minTtl : DEFAULT_MIN_TTL;
      Duration max = maxTtl != null ? maxTtl : DEFAULT_MAX_TTL;
      if (min.compareTo(max) > 0) {
        throw new IllegalStateException("minTtl: " + min + " is greater than maxTtl: " + max
            + (minTtl == null || maxTtl == null ? " (the default)" : ""));
      }
      return new DnsEndpointSource(this);
    }

    private static void checkPositive(String setting, Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(setting + ": " + d + " (expected: positive)");
      }
    }

    private static void checkRange(String setting, Duration d, Duration min, Duration max) {
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            setting + ": " + d + " (expected: " + min + ".." + max + ")");
      }
    }

    private static void checkUnset(String setting, @Nullable Object current) {
      if (current != null) {
        throw new IllegalStateException(setting + " was already set to " + current);
      }
    }
  }
}
