package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where a load balancer learns its servers: a static list, DNS, or a registry. A source delivers
 * <em>complete snapshots</em>: each {@link Listener#onEndpoints(List)} replaces the whole list.
 *
 * <p><b>Contract for implementations.</b> They must be thread-safe. {@link #start(Listener)} may
 * block for at most the source's own lookup timeout (so that a new load balancer can answer its
 * first pick), and must never throw for a failed lookup: report it with {@link
 * Listener#onError(String, Throwable)} instead. Calls to one listener must not overlap (a source
 * calls each listener from one thread at a time). A source may serve several listeners; it stops
 * its work (threads, timers, sockets) when the last {@link Subscription} is closed.
 */
public interface EndpointSource {

  /**
   * A source whose list never changes.
   *
   * @throws IllegalArgumentException if {@code endpoints} is empty
   */
  static EndpointSource of(Endpoint... endpoints) {
    requireNonNull(endpoints, "endpoints");
    return new StaticEndpointSource(List.of(endpoints));
  }

  /**
   * A source whose list never changes, each entry parsed by {@link Endpoint#parse(String)}.
   *
   * @throws IllegalArgumentException if {@code endpoints} is empty or an entry does not parse
   */
  static EndpointSource of(String... endpoints) {
    requireNonNull(endpoints, "endpoints");
    List<Endpoint> parsed = new ArrayList<>(endpoints.length);
    for (String e : endpoints) {
      parsed.add(Endpoint.parse(requireNonNull(e, "endpoints[" + parsed.size() + "]")));
    }
    return new StaticEndpointSource(parsed);
  }

  /**
   * A source whose list the application replaces at run time with {@link
   * MutableEndpointSource#set(java.util.Collection)}.
   */
  static MutableEndpointSource mutable(Endpoint... initial) {
    requireNonNull(initial, "initial");
    return new MutableEndpointSource(List.of(initial));
  }

  /**
   * Starts delivering snapshots to {@code listener}. Static sources deliver their list before
   * returning.
   *
   * @return a handle whose {@code close()} stops delivery to this listener
   */
  Subscription start(Listener listener);

  /**
   * What this source looks up, for messages: for example {@code static [10.0.0.1:80, ...]} or
   * {@code SRV _http._tcp.orders.internal}.
   */
  String description();

  /**
   * Receives snapshots. Implemented by the load balancer; calls are cheap and never block.
   */
  interface Listener {
    /**
     * The complete current list (an immutable list, possibly empty). Replaces the previous one.
     */
    void onEndpoints(List<Endpoint> endpoints);

    /**
     * The source could not refresh. The listener keeps its last good list; {@code description}
     * says what failed (for example {@code SRV _http._tcp.orders.internal failed: SERVFAIL}).
     */
    void onError(String description, @Nullable Throwable cause);
  }

  /** A started delivery; {@link #close()} stops it and is idempotent. */
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }
}
