package dev.lbclient;

import java.util.List;

/** A fixed list, delivered once at start. Immutable and thread-safe. */
final class StaticEndpointSource implements EndpointSource {
  private final List<Endpoint> endpoints;

  StaticEndpointSource(List<Endpoint> endpoints) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("endpoints: [] (expected: at least one endpoint)");
    }
    this.endpoints = List.copyOf(endpoints);
  }

  @Override
  public Subscription start(Listener listener) {
    listener.onEndpoints(endpoints);
    return () -> {};
  }

  @Override
  public String description() {
    return "static " + endpoints;
  }

  @Override
  public String toString() {
    return description();
  }
}
