package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Deterministic subsetting: each client talks to only {@code subsetSize} of a service's servers
 * instead of all of them, so that N clients and M servers cost N x k connections and health checks
 * instead of N x M, while every server still gets about N x k / M clients.
 *
 * <p>How the subset is chosen depends on what the client can say about itself:
 *
 * <ul>
 *   <li><b>Its index among the clients, and their count</b> ({@link Builder#clientIndex(int, int)},
 *       recommended): for example a StatefulSet ordinal and the replica count. The servers are
 *       placed on a ring in a fixed hashed order and client i of N takes the {@code subsetSize}
 *       consecutive servers from position i/N, a deterministic aperture as in Finagle. Every server
 *       gets within one client of the mean N x k / M. With 1,000 clients, 300 servers and subsets
 *       of 30, one server more moves 1.3% of the client-server pairs and one client more 0.7%;
 *       but with 100 clients on 1,000 servers, one client more moves half of them, since every
 *       client's position shifts by up to M / N servers. When a server fails, its ring neighbours
 *       take its clients' requests: each gets at most 1/k more load, so keep k from being tiny.
 *   <li><b>Only an id</b> ({@link Builder#clientId(String)}, or {@link #of(int)} which uses a
 *       random id per process): rendezvous hashing as in gRPC's proposal A68. It needs no
 *       coordination and moves the fewest pairs when servers come and go (only pairs that make
 *       room for a new server), but nothing spreads the clients evenly: servers get a binomial
 *       number of clients, the busiest about 1.3 times the mean with 1,000 clients, 300 servers
 *       and subsets of 30, as with random subsetting.
 * </ul>
 *
 * <p>Every client of a fleet must run the same version of this library with the same subset size
 * and, with indices, the same client count, since each one computes its own part of a shared
 * layout. Servers are identified by {@link Endpoint#address()}; their weights do not change which
 * servers are chosen. When there are no more servers than {@code subsetSize}, every client gets
 * them all. The figures above come from {@code benchmarks/run-subsetting.sh}.
 *
 * <pre>{@code
 * Subsetting.of(30);                                         // rendezvous, random id
 * Subsetting.builder(30).clientIndex(ordinal, replicas).build();   // balanced
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Subsetting {
  /** The largest subset size, {@value}. */
  public static final int MAX_SUBSET_SIZE = 10_000;

  /** One random id per process, shared by every {@link #of(int)}: see {@link #clientId()}. */
  private static final class ProcessId {
    static final String VALUE = UUID.randomUUID().toString();
  }

  private final int subsetSize;
  private final @Nullable String clientId;
  private final int clientIndex;
  private final int clientCount;

  private Subsetting(int subsetSize, @Nullable String clientId, int clientIndex, int clientCount) {
    this.subsetSize = subsetSize;
    this.clientId = clientId;
    this.clientIndex = clientIndex;
    this.clientCount = clientCount;
  }

  /**
   * Subsets of {@code subsetSize} servers chosen by rendezvous hashing with a random id for this
   * process (a UUID drawn once per JVM). Unbalanced as random subsetting is; give the client's
   * index and count through {@link #builder(int)} for balance.
   *
   * @throws IllegalArgumentException if subsetSize is outside 1..{@value #MAX_SUBSET_SIZE}
   */
  public static Subsetting of(int subsetSize) {
    return builder(subsetSize).build();
  }

  /**
   * A builder for subsets of {@code subsetSize} servers.
   *
   * @throws IllegalArgumentException if subsetSize is outside 1..{@value #MAX_SUBSET_SIZE}
   */
  public static Builder builder(int subsetSize) {
    if (subsetSize < 1 || subsetSize > MAX_SUBSET_SIZE) {
      throw new IllegalArgumentException(
          "subsetSize: " + subsetSize + " (expected: 1.." + MAX_SUBSET_SIZE + ")");
    }
    return new Builder(subsetSize);
  }

  /** How many servers each client uses (fewer only when the service has fewer). */
  public int subsetSize() {
    return subsetSize;
  }

  /**
   * The id that seeds rendezvous hashing, or {@code null} when the subset is chosen by {@link
   * #clientIndex() index}. Unless one was given, a random UUID drawn once per process: distinct
   * across processes, containers and restarts, so no two clients share a seed by accident (a host
   * name and process id can repeat across containers); a restarted client gets a new subset. Give
   * a stable id (a pod name) to keep the same subset across restarts.
   */
  public @Nullable String clientId() {
    return clientId;
  }

  /** This client's index among {@link #clientCount()} clients, or -1 when it has none. */
  public int clientIndex() {
    return clientIndex;
  }

  /** How many clients share the servers, or 0 when the client has no index. */
  public int clientCount() {
    return clientCount;
  }

  /**
   * This client's subset of {@code all}: min(subsetSize, distinct addresses) endpoints, always the
   * same ones for the same set of addresses, whatever their order in {@code all}. Pure; the load
   * balancer calls it on each list its source delivers, before health is applied: subsetting the
   * healthy servers only would move pairs every time one of them flaps.
   */
  List<Endpoint> select(List<Endpoint> all) {
    requireNonNull(all, "all");
    return clientIndex >= 0
        ? Subsetter.ring(all, clientIndex, clientCount, subsetSize)
        : Subsetter.rendezvous(all, requireNonNull(clientId), subsetSize);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof Subsetting)) {
      return false;
    }
    Subsetting that = (Subsetting) o;
    return subsetSize == that.subsetSize && clientIndex == that.clientIndex
        && clientCount == that.clientCount && Objects.equals(clientId, that.clientId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(subsetSize, clientId, clientIndex, clientCount);
  }

  @Override
  public String toString() {
    return clientIndex >= 0
        ? "Subsetting{" + subsetSize + " servers, client " + clientIndex + " of " + clientCount
            + '}'
        : "Subsetting{" + subsetSize + " servers, client id " + clientId + '}';
  }

  /**
   * Configures a {@link Subsetting}. Each setting may be given once, and {@link
   * #clientIndex(int, int)} and {@link #clientId(String)} exclude each other. Not thread-safe.
   */
  public static final class Builder {
    private final int subsetSize;
    private @Nullable String clientId;
    private int clientIndex = -1;
    private int clientCount;

    private Builder(int subsetSize) {
      this.subsetSize = subsetSize;
    }

    /**
     * Balanced subsets: this client is number {@code index} of {@code count} clients (0-based),
     * and every client of the fleet gives the same count and a distinct index. For example a
     * Kubernetes StatefulSet's pod ordinal and replica count. While the fleet is being resized,
     * clients that still see the old count keep their old subsets; balance returns once all agree.
     *
     * @throws IllegalArgumentException if count is below 1 or index is outside 0..count-1
     * @throws IllegalStateException if the index or a client id was already given
     */
    public Builder clientIndex(int index, int count) {
      if (clientIndex >= 0) {
        throw new IllegalStateException(
            "clientIndex was already set to " + clientIndex + " of " + clientCount);
      }
      if (clientId != null) {
        throw new IllegalStateException(
            "clientIndex and clientId exclude each other; clientId was already set to " + clientId);
      }
      if (count < 1) {
        throw new IllegalArgumentException("clientCount: " + count + " (expected: >= 1)");
      }
      if (index < 0 || index >= count) {
        throw new IllegalArgumentException(
            "clientIndex: " + index + " (expected: 0.." + (count - 1) + ")");
      }
      this.clientIndex = index;
      this.clientCount = count;
      return this;
    }

    /**
     * Rendezvous hashing seeded by this id instead of a random one: any string that no other
     * client of the fleet uses, such as a pod name; a stable one keeps the same subset across
     * restarts.
     *
     * @throws IllegalArgumentException if the id is empty
     * @throws IllegalStateException if an id or the index was already given
     */
    public Builder clientId(String id) {
      requireNonNull(id, "id");
      if (clientId != null) {
        throw new IllegalStateException("clientId was already set to " + clientId);
      }
      if (clientIndex >= 0) {
        throw new IllegalStateException("clientId and clientIndex exclude each other; clientIndex"
            + " was already set to " + clientIndex + " of " + clientCount);
      }
      if (id.isEmpty()) {
        throw new IllegalArgumentException("clientId: '' (expected: non-empty)");
      }
      this.clientId = id;
      return this;
    }

    /** Builds the setting; without an index or an id, the id is random (once per process). */
    public Subsetting build() {
      return clientIndex >= 0
          ? new Subsetting(subsetSize, null, clientIndex, clientCount)
          : new Subsetting(subsetSize, clientId != null ? clientId : ProcessId.VALUE, -1, 0);
    }
  }
}
