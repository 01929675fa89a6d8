package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbclient.TestSupport.RecordingListener;
import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointSourceTest {

  @Test
  void static_deliversAtStart() {
    Endpoint a = Endpoint.of("10.0.0.1", 80);
    Endpoint b = Endpoint.of("10.0.0.2", 80).withWeight(2);
    RecordingListener listener = new RecordingListener();

    EndpointSource.of(a, b).start(listener);

    assertThat(listener.snapshots).containsExactly(List.of(a, b));
    assertThat(listener.errors).isEmpty();
  }

  @Test
  void static_deliversToEachListener() {
    EndpointSource source = EndpointSource.of("10.0.0.1:80");
    RecordingListener first = new RecordingListener();
    RecordingListener second = new RecordingListener();

    source.start(first);
    source.start(second).close();

    assertThat(first.snapshots).containsExactly(List.of(Endpoint.of("10.0.0.1", 80)));
    assertThat(second.snapshots).isEqualTo(first.snapshots);
  }

  @Test
  void static_parsesStrings() {
    RecordingListener listener = new RecordingListener();

    EndpointSource.of("10.0.0.1:80", "[::1]:81;weight=3;zone=z").start(listener);

    assertThat(listener.snapshots).containsExactly(List.of(
        Endpoint.of("10.0.0.1", 80), Endpoint.of("::1", 81).withWeight(3).withZone("z")));
  }

  @Test
  void static_deliveredListIsImmutable() {
    RecordingListener listener = new RecordingListener();
    EndpointSource.of("10.0.0.1:80").start(listener);

    assertThatThrownBy(() -> listener.snapshots.get(0).add(Endpoint.of("h", 1)))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void static_emptyEndpoints() {
    assertThatThrownBy(() -> EndpointSource.of(new Endpoint[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("endpoints: [] (expected: at least one endpoint)");
  }

  @Test
  void static_emptyStrings() {
    assertThatThrownBy(() -> EndpointSource.of(new String[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("endpoints: [] (expected: at least one endpoint)");
  }

  @Test
  void static_badEntry() {
    assertThatThrownBy(() -> EndpointSource.of("10.0.0.1:80", "orders"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("endpoint: 'orders' (expected: host:port or [ipv6]:port, e.g. 10.0.0.1:8080)");
  }

  @Test
  void static_nullEntry() {
    assertThatThrownBy(() -> EndpointSource.of("10.0.0.1:80", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("endpoints[1]");
    assertThatThrownBy(() -> EndpointSource.of(Endpoint.of("h", 1), null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void static_nullArray() {
    assertThatThrownBy(() -> EndpointSource.of((Endpoint[]) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("endpoints");
    assertThatThrownBy(() -> EndpointSource.of((String[]) null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("endpoints");
  }

  @Test
  void static_description() {
    assertThat(EndpointSource.of("10.0.0.1:80", "10.0.0.2:80;weight=2").description())
        .isEqualTo("static [10.0.0.1:80, 10.0.0.2:80;weight=2]");
  }

  @Test
  void static_loadBalancerServesListInOrder() {
    try (LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.2:80", "10.0.0.1:80"))
        .build()) {
      assertThat(lb.endpoints())
          .containsExactly(Endpoint.of("10.0.0.2", 80), Endpoint.of("10.0.0.1", 80));
      try (Pick p = lb.pick()) {
        assertThat(lb.endpoints()).contains(p.endpoint());
      }
    }
  }
}
