package dev.lbclient.kubernetes;

import static dev.lbclient.kubernetes.Slices.endpoint;
import static dev.lbclient.kubernetes.Slices.port;
import static dev.lbclient.kubernetes.Slices.ready;
import static dev.lbclient.kubernetes.Slices.slice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Malformed slices, which the API server would refuse but a merge must survive: the entry at
 * fault is skipped with a problem (logged once by the source), the rest is kept.
 */
class SliceMergerTest {

  private static SliceMerger.Result merge(EndpointSlice... slices) {
    return SliceMerger.merge(List.of(slices), "orders", "http", true);
  }

  @Test
  void badAddress_skipped_othersKept() {
    SliceMerger.Result r = merge(slice("orders-a", ready("10.0.0.1", "not an address!")));
    assertThat(r.endpoints).containsExactly(Endpoint.of("10.0.0.1", 8080));
    assertThat(r.problems).containsExactly(org.assertj.core.api.Assertions.entry(
        "address not an address!", "EndpointSlice orders-a: address 'not an address!' skipped:"
            + " host: 'not an address!' (expected: a hostname or an IP address)"));
  }

  @Test
  void portWithoutNumber_sliceSkipped() {
    SliceMerger.Result r = merge(
        slice("orders-a", "IPv4", List.of(new io.fabric8.kubernetes.api.model.discovery.v1
            .EndpointPort(null, "http", null, "TCP")), List.of(ready("10.0.0.1"))),
        slice("orders-b", ready("10.0.0.2")));
    assertThat(r.endpoints).containsExactly(Endpoint.of("10.0.0.2", 8080));
    assertThat(r.problems.values()).containsExactly("EndpointSlice orders-a: port http has number"
        + " null (expected: 1..65535); its endpoints are skipped");
  }

  @Test
  void sliceWithoutThePort_problemNamesItsPorts() {
    SliceMerger.Result r = merge(slice("orders-a", "IPv4",
        List.of(port("grpc", 9000), port("", 9001)), List.of(ready("10.0.0.1"))));
    assertThat(r.endpoints).isEmpty();
    assertThat(r.emptyReason).isEqualTo("no EndpointSlice has a port named http");
    assertThat(r.problems.values()).containsExactly("EndpointSlice orders-a has no port named http"
        + " (its ports: [grpc, (unnamed)]); its endpoints are skipped");
  }

  @Test
  void badZone_ignored_endpointKept() {
    SliceMerger.Result r = merge(slice("orders-a", new EndpointBuilder()
        .withAddresses("10.0.0.1").withZone("eu west").build()));
    assertThat(r.endpoints).containsExactly(Endpoint.of("10.0.0.1", 8080));
    assertThat(r.problems.values()).containsExactly("EndpointSlice orders-a: zone of 10.0.0.1"
        + " ignored: zone: 'eu west' (expected: non-empty, printable ASCII, no ';' or spaces)");
  }

  @Test
  void missingConditionsAndAddresses_readAsTheApiSays() {
    SliceMerger.Result r = merge(slice("orders-a",
        new EndpointBuilder().withAddresses("10.0.0.1").build(), // no conditions: ready
        new EndpointBuilder().build(),                           // no addresses: nothing
        endpoint(false, null, true, "10.0.0.3")));               // serving follows ready
    assertThat(r.endpoints).containsExactly(Endpoint.of("10.0.0.1", 8080));
    assertThat(r.problems).isEmpty();
  }

  @Test
  void emptyReasons() {
    assertThat(merge().emptyReason)
        .isEqualTo("no EndpointSlice has label kubernetes.io/service-name=orders");
    assertThat(merge(slice("orders-a", endpoint(false, false, false, "10.0.0.1"))).emptyReason)
        .isEqualTo("none of 1 endpoint is ready or serving while terminating");
    assertThat(merge(slice("orders-a", ready("bad address"))).emptyReason)
        .isEqualTo("no endpoint has a usable address");
    assertThat(merge(slice("orders-a", ready("10.0.0.1"))).emptyReason).isEmpty();
  }
}
