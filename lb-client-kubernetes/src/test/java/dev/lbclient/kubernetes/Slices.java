package dev.lbclient.kubernetes;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditionsBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Builds EndpointSlices as the EndpointSlice controller writes them, and stores them. */
final class Slices {
  static final String NS = "default";
  static final String SERVICE = "orders";

  private Slices() {}

  static EndpointPort port(String name, int number) {
    return new EndpointPort(null, name, number, "TCP");
  }

  /** An endpoint with these addresses and conditions (null: the condition is absent). */
  static io.fabric8.kubernetes.api.model.discovery.v1.Endpoint endpoint(@Nullable Boolean ready,
      @Nullable Boolean serving, @Nullable Boolean terminating, String... addresses) {
    return new EndpointBuilder()
        .withAddresses(addresses)
        .withConditions(new EndpointConditionsBuilder()
            .withReady(ready).withServing(serving).withTerminating(terminating).build())
        .build();
  }

  /** A ready endpoint. */
  static io.fabric8.kubernetes.api.model.discovery.v1.Endpoint ready(String... addresses) {
    return endpoint(true, true, false, addresses);
  }

  static EndpointSlice slice(String name, String addressType, List<EndpointPort> ports,
      List<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint> endpoints) {
    return new EndpointSliceBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .addToLabels(KubernetesEndpointSource.SERVICE_NAME_LABEL, SERVICE)
        .addToLabels("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io")
        .endMetadata()
        .withAddressType(addressType)
        .withPorts(ports)
        .withEndpoints(endpoints)
        .build();
  }

  /** An IPv4 slice with port http=8080 and metrics=9090. */
  static EndpointSlice slice(String name,
      io.fabric8.kubernetes.api.model.discovery.v1.Endpoint... endpoints) {
    return slice(name, "IPv4", List.of(port("http", 8080), port("metrics", 9090)),
        List.of(endpoints));
  }

  /** {@code count} ready endpoints 10.{base}.x.y. */
  static EndpointSlice bigSlice(String name, int base, int count) {
    List<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint> endpoints = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      endpoints.add(ready("10." + base + "." + (i / 250) + "." + (i % 250 + 1)));
    }
    return slice(name, "IPv4", List.of(port("http", 8080)), endpoints);
  }

  /** Creates the slice, or replaces the stored one of the same name. */
  static void put(KubernetesClient client, EndpointSlice slice) {
    client.discovery().v1().endpointSlices().inNamespace(NS).resource(slice)
        .createOr(NonDeletingOperation::update);
  }

  static void delete(KubernetesClient client, String name) {
    client.discovery().v1().endpointSlices().inNamespace(NS).withName(name).delete();
  }
}
