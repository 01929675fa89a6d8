package dev.lbclient.kubernetes;

import dev.lbclient.Endpoint;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Turns the EndpointSlices of one Service into one list of endpoints for one named port. A pure
 * function of its input: no state, no logging (problems are returned for the caller to log once).
 *
 * <p>Selection follows kube-proxy: the ready endpoints of all slices; when none is ready, the ones
 * that are serving while terminating (if enabled). Conditions are read as the API documents them:
 * a missing {@code ready} means ready, a missing {@code serving} means the same as {@code ready},
 * a missing {@code terminating} means not terminating. Slices are taken in name order and an
 * address listed twice (an endpoint moving between slices) is kept once, so equal inputs give
 * equal lists.
 *
 * <p>Stateless and thread-safe.
 */
final class SliceMerger {
  /** Attribute: the node the endpoint runs on ({@code nodeName}). */
  static final String NODE_NAME = "nodeName";
  /** Attribute: what the endpoint is, as {@code Kind/name} ({@code targetRef}), e.g. a Pod. */
  static final String TARGET_REF = "targetRef";
  /** Attribute {@code "true"} on endpoints taken because none was ready. */
  static final String TERMINATING = "terminating";

  private static final Comparator<EndpointSlice> BY_NAME =
      Comparator.comparing(SliceMerger::name, Comparator.nullsFirst(Comparator.naturalOrder()));

  private SliceMerger() {}

  /** The merged list, why it is empty when it is, and the problems met (key: one per problem). */
  static final class Result {
    final List<Endpoint> endpoints;
    final String emptyReason;
    final Map<String, String> problems;

    Result(List<Endpoint> endpoints, String emptyReason, Map<String, String> problems) {
      this.endpoints = endpoints;
      this.emptyReason = emptyReason;
      this.problems = problems;
    }
  }

  static Result merge(Collection<EndpointSlice> slices, String service, String portName,
      boolean terminatingFallback) {
    List<EndpointSlice> sorted = new ArrayList<>(slices);
    sorted.sort(BY_NAME);
    Map<String, Endpoint> ready = new LinkedHashMap<>();
    Map<String, Endpoint> terminating = new LinkedHashMap<>();
    Map<String, String> problems = new LinkedHashMap<>();
    int withoutPort = 0;
    int listed = 0;
    int chosen = 0;
    for (EndpointSlice slice : sorted) {
      List<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint> endpoints = slice.getEndpoints();
      if (endpoints == null || endpoints.isEmpty()) {
        continue; // e.g. the placeholder slice of a Service with no pods: nothing to warn about
      }
      Integer port = port(slice, portName, problems);
      if (port == null) {
        withoutPort++;
        continue;
      }
      for (io.fabric8.kubernetes.api.model.discovery.v1.Endpoint e : endpoints) {
        listed++;
        EndpointConditions c = e.getConditions();
        boolean isReady = c == null || !Boolean.FALSE.equals(c.getReady());
        boolean serving = c != null && c.getServing() != null ? c.getServing() : isReady;
        boolean isTerminating = c != null && Boolean.TRUE.equals(c.getTerminating());
        Map<String, Endpoint> into;
        if (isReady) {
          into = ready;
        } else if (terminatingFallback && serving && isTerminating) {
          into = terminating;
        } else {
          continue;
        }
        chosen++;
        List<String> addresses = e.getAddresses();
        if (addresses == null) {
          continue;
        }
        for (String address : addresses) {
          Endpoint endpoint = toEndpoint(slice, e, address, port, into == terminating, problems);
          if (endpoint != null) {
            into.putIfAbsent(endpoint.address(), endpoint);
          }
        }
      }
    }
    List<Endpoint> out = List.copyOf((ready.isEmpty() ? terminating : ready).values());
    String reason = "";
    if (out.isEmpty()) {
      if (sorted.isEmpty()) {
        reason = "no EndpointSlice has label " + KubernetesEndpointSource.SERVICE_NAME_LABEL + "="
            + service;
      } else if (listed == 0 && withoutPort > 0) {
        reason = "no EndpointSlice has a port named " + portName;
      } else if (listed == 0) {
        reason = "its " + count(sorted.size(), "EndpointSlice") + " list no endpoints";
      } else if (chosen == 0) {
        reason = "none of " + count(listed, "endpoint") + " is ready"
            + (terminatingFallback ? " or serving while terminating" : "");
      } else {
        reason = "no endpoint has a usable address";
      }
    }
    return new Result(out, reason, problems);
  }

  /** The number of the named port in this slice, or null (with a problem) when it has none. */
  private static @Nullable Integer port(EndpointSlice slice, String portName,
      Map<String, String> problems) {
    List<EndpointPort> ports = slice.getPorts();
    List<String> names = new ArrayList<>();
    if (ports != null) {
      for (EndpointPort p : ports) {
        if (p == null) {
          continue;
        }
        if (portName.equals(p.getName())) {
          Integer number = p.getPort();
          if (number != null && number >= 1 && number <= 65_535) {
            return number;
          }
          problems.put("port " + name(slice), "EndpointSlice " + name(slice) + ": port " + portName
              + " has number " + number + " (expected: 1..65535); its endpoints are skipped");
          return null;
        }
        names.add(p.getName() == null || p.getName().isEmpty() ? "(unnamed)" : p.getName());
      }
    }
    problems.put("port " + name(slice), "EndpointSlice " + name(slice) + " has no port named "
        + portName + " (its ports: " + names + "); its endpoints are skipped");
    return null;
  }

  private static @Nullable Endpoint toEndpoint(EndpointSlice slice,
      io.fabric8.kubernetes.api.model.discovery.v1.Endpoint e, @Nullable String address, int port,
      boolean terminating, Map<String, String> problems) {
    Endpoint endpoint;
    try {
      endpoint = Endpoint.of(Objects.requireNonNull(address, "address"), port);
    } catch (RuntimeException ex) {
      problems.put("address " + address, "EndpointSlice " + name(slice) + ": address '" + address
          + "' skipped: " + ex.getMessage());
      return null;
    }
    String zone = e.getZone();
    if (zone != null && !zone.isEmpty()) {
      try {
        endpoint = endpoint.withZone(zone);
      } catch (IllegalArgumentException ex) {
        problems.put("zone " + zone, "EndpointSlice " + name(slice) + ": zone of " + address
            + " ignored: " + ex.getMessage());
      }
    }
    String node = e.getNodeName();
    if (node != null && !node.isEmpty()) {
      endpoint = endpoint.withAttribute(NODE_NAME, node);
    }
    ObjectReference ref = e.getTargetRef();
    if (ref != null && ref.getName() != null && !ref.getName().isEmpty()) {
      endpoint = endpoint.withAttribute(TARGET_REF,
          (ref.getKind() == null ? "" : ref.getKind()) + "/" + ref.getName());
    }
    if (terminating) {
      endpoint = endpoint.withAttribute(TERMINATING, "true");
    }
    return endpoint;
  }

  private static @Nullable String name(EndpointSlice slice) {
    return slice.getMetadata() == null ? null : slice.getMetadata().getName();
  }

  private static String count(int n, String what) {
    return n + " " + what + (n == 1 ? "" : "s");
  }
}
