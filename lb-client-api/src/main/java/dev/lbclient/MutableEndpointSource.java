package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An {@link EndpointSource} whose list the application replaces at run time, for example from a
 * registry client or a configuration watcher. Each {@link #set(Collection)} is delivered to every
 * started listener as a complete snapshot; an empty list is delivered too (the pool then has no
 * endpoints until the next {@code set}).
 *
 * <p>Thread-safe: {@code set} may be called from any thread; concurrent calls are delivered one at
 * a time, each listener seeing them in the same order.
 */
public final class MutableEndpointSource implements EndpointSource {
  private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
  private volatile List<Endpoint> endpoints;

  MutableEndpointSource(List<Endpoint> initial) {
    this.endpoints = List.copyOf(initial);
  }

  /** Replaces the list and delivers it to every listener before returning. */
  public void set(Collection<Endpoint> endpoints) {
    requireNonNull(endpoints, "endpoints");
    List<Endpoint> copy = List.copyOf(endpoints);
    synchronized (this) {
      this.endpoints = copy;
      for (Listener l : listeners) {
        l.onEndpoints(copy);
      }
    }
  }

  /** Replaces the list; see {@link #set(Collection)}. */
  public void set(Endpoint... endpoints) {
    set(List.of(requireNonNull(endpoints, "endpoints")));
  }

  /** The current list. */
  public List<Endpoint> endpoints() {
    return endpoints;
  }

  @Override
  public Subscription start(Listener listener) {
    requireNonNull(listener, "listener");
    synchronized (this) {
      listeners.add(listener);
      listener.onEndpoints(endpoints);
    }
    return () -> {
      synchronized (this) { // no delivery after close returns
        listeners.remove(listener);
      }
    };
  }

  @Override
  public String description() {
    return "mutable list";
  }

  @Override
  public String toString() {
    return "MutableEndpointSource" + endpoints;
  }
}
