package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Where the caller runs and how much it prefers endpoints of its own {@link Endpoint#zone() zone};
 * given to {@link LoadBalancer.Builder#zoneRouting(ZoneRouting)} ({@link
 * LoadBalancer.Builder#zone(String)} is {@code zoneRouting(ZoneRouting.aware(zone))}).
 *
 * <ul>
 *   <li><b>{@link #aware(String) aware}</b> (Envoy's zone-aware routing): keep every call in the
 *       caller's zone while that zone's usable capacity is at least the caller's zone's share of
 *       the clients; otherwise send the fraction (usable capacity share / client share) there and
 *       spread the rest over the other zones in proportion to their residual capacity (usable
 *       capacity share minus client share, where positive). So every endpoint keeps about the same
 *       load whatever the zones' health, while as many calls as possible stay in the zone. A
 *       zone's capacity is the sum of its endpoints' weights (1 each for round robin, which
 *       ignores weights).
 *   <li><b>{@link #preferred(String) preferred}</b> (Spring Cloud LoadBalancer's zone preference):
 *       every call to the caller's zone while it has a usable endpoint, else to all of them. No
 *       arithmetic, but a zone down to its last endpoint sends it all of its clients' calls.
 * </ul>
 *
 * <p><b>Clients.</b> A client cannot see the other clients, so aware routing assumes by default
 * that the clients are spread over the zones as the endpoints' capacity is (Envoy compares the
 * same two distributions, reading the clients' from its own cluster); give the real spread with
 * {@link Builder#clientShares(Map)} when it differs.
 *
 * <p><b>When it applies.</b> Aware routing works within one priority level at a time and only
 * when every endpoint of the level has a zone, there are at least two zones, the caller's zone has
 * a usable endpoint, the level has at least {@link #minEndpoints()} usable endpoints (Envoy's
 * {@code min_cluster_size}, default {@value #DEFAULT_MIN_ENDPOINTS}) and the level is not in
 * panic; otherwise the level's calls spread over all its endpoints, as without a zone. Preferred
 * routing needs only a usable endpoint in the caller's zone (endpoints without a zone are never
 * local). Either way, a call whose filter or avoid list leaves nobody in the chosen zone goes to
 * the next zone, the caller's first.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ZoneRouting {
  /** The default {@link #minEndpoints()}, {@value}, as Envoy's {@code min_cluster_size}. */
  public static final int DEFAULT_MIN_ENDPOINTS = 6;

  /** How strongly the caller's zone is preferred. */
  public enum Mode {
    /** Envoy's zone-aware routing: local as far as capacity allows, the rest by residual. */
    AWARE,
    /** Spring Cloud's zone preference: local while any local endpoint is usable, else all. */
    PREFERRED
  }

  private final String zone;
  private final Mode mode;
  private final Map<String, Double> clientShares;
  private final int minEndpoints;

  private ZoneRouting(String zone, Mode mode, Map<String, Double> clientShares, int minEndpoints) {
    this.zone = zone;
    this.mode = mode;
    this.clientShares = clientShares;
    this.minEndpoints = minEndpoints;
  }

  /**
   * Zone-aware routing for a caller in {@code zone}, clients assumed spread like the endpoints.
   *
   * @throws IllegalArgumentException if the zone is empty or holds {@code ;}, spaces or non-ASCII
   */
  public static ZoneRouting aware(String zone) {
    return builder(zone).build();
  }

  /**
   * Zone preference for a caller in {@code zone}: the caller's zone while it has a usable
   * endpoint, else every zone.
   *
   * @throws IllegalArgumentException if the zone is empty or holds {@code ;}, spaces or non-ASCII
   */
  public static ZoneRouting preferred(String zone) {
    return new ZoneRouting(Endpoint.checkZone("zone", zone), Mode.PREFERRED, Map.of(), 1);
  }

  /**
   * A builder of zone-aware routing for a caller in {@code zone}.
   *
   * @throws IllegalArgumentException if the zone is empty or holds {@code ;}, spaces or non-ASCII
   */
  public static Builder builder(String zone) {
    return new Builder(Endpoint.checkZone("zone", zone));
  }

  /** The caller's zone. */
  public String zone() {
    return zone;
  }

  /** Aware or preferred. */
  public Mode mode() {
    return mode;
  }

  /**
   * The clients' spread over zones, normalized to sum to 1, sorted by zone; empty when assumed to
   * follow the endpoints' capacity (and always for {@link Mode#PREFERRED}).
   */
  public Map<String, Double> clientShares() {
    return clientShares;
  }

  /** The fewest usable endpoints in a level for aware routing to apply (1 for preferred). */
  public int minEndpoints() {
    return minEndpoints;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof ZoneRouting)) {
      return false;
    }
    ZoneRouting that = (ZoneRouting) o;
    return zone.equals(that.zone) && mode == that.mode && minEndpoints == that.minEndpoints
        && clientShares.equals(that.clientShares);
  }

  @Override
  public int hashCode() {
    return Objects.hash(zone, mode, clientShares, minEndpoints);
  }

  /** For example {@code ZoneRouting{aware eu-1a, clients {eu-1a=0.5, eu-1b=0.5}, min 6}}. */
  @Override
  public String toString() {
    if (mode == Mode.PREFERRED) {
      return "ZoneRouting{preferred " + zone + '}';
    }
    return "ZoneRouting{aware " + zone
        + (clientShares.isEmpty() ? ", clients like endpoints" : ", clients " + clientShares)
        + ", min " + minEndpoints + '}';
  }

  /** Configures zone-aware routing; each setting may be given once. Not thread-safe. */
  public static final class Builder {
    private final String zone;
    private @Nullable Map<String, Double> clientShares;
    private int minEndpoints = -1;

    private Builder(String zone) {
      this.zone = zone;
    }

    /**
     * How the clients of this service are spread over zones, as relative numbers (client counts,
     * or their request rates), normalized here. Zones missing from the map have no clients (they
     * take only spill-over); the caller's zone must have a share above 0.
     *
     * @throws IllegalArgumentException if a zone name is invalid, a share is negative, infinite
     *     or NaN, or the caller's zone has no share above 0
     * @throws IllegalStateException if given twice
     */
    public Builder clientShares(Map<String, ? extends Number> shares) {
      requireNonNull(shares, "shares");
      if (clientShares != null) {
        throw new IllegalStateException("clientShares was already set to " + clientShares);
      }
      TreeMap<String, Double> copy = new TreeMap<>();
      double sum = 0;
      for (Map.Entry<String, ? extends Number> e : shares.entrySet()) {
        String z = Endpoint.checkZone("clientShares zone", requireNonNull(e.getKey(), "zone"));
        double share = requireNonNull(e.getValue(), "share of " + z).doubleValue();
        if (!(share >= 0) || Double.isInfinite(share)) {
          throw new IllegalArgumentException(
              "clientShares: " + z + "=" + e.getValue() + " (expected: a finite number >= 0)");
        }
        copy.put(z, share);
        sum += share;
      }
      Double own = copy.get(zone);
      if (own == null || own <= 0) {
        throw new IllegalArgumentException("clientShares: " + copy + " (expected: a share above 0"
            + " for the caller's zone " + zone + ")");
      }
      for (Map.Entry<String, Double> e : copy.entrySet()) {
        e.setValue(e.getValue() / sum);
      }
      this.clientShares = java.util.Collections.unmodifiableMap(copy);
      return this;
    }

    /**
     * The fewest usable endpoints a priority level must have for aware routing to apply there;
     * default {@value ZoneRouting#DEFAULT_MIN_ENDPOINTS} (below that, one endpoint more or less
     * moves a large share of the calls between zones).
     *
     * @throws IllegalArgumentException if below 1
     * @throws IllegalStateException if given twice
     */
    public Builder minEndpoints(int minEndpoints) {
      if (this.minEndpoints >= 0) {
        throw new IllegalStateException("minEndpoints was already set to " + this.minEndpoints);
      }
      if (minEndpoints < 1) {
        throw new IllegalArgumentException("minEndpoints: " + minEndpoints + " (expected: >= 1)");
      }
      this.minEndpoints = minEndpoints;
      return this;
    }

    /** Zone-aware routing with these settings. */
    public ZoneRouting build() {
      return new ZoneRouting(zone, Mode.AWARE, clientShares != null ? clientShares : Map.of(),
          minEndpoints >= 0 ? minEndpoints : DEFAULT_MIN_ENDPOINTS);
    }
  }
}
