package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A load balancer with {@code subsetting(...)} uses only its subset of each list. */
class SubsettingLoadBalancerTest {

  @Test
  void subsetting_loadBalancerUsesItsSubset_andPicksOnlyThere() {
    Endpoint[] all = TestSupport.endpoints(30);
    Subsetting subsetting = Subsetting.builder(5).clientIndex(2, 10).build();
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(all))
        .strategy(Strategy.roundRobin())
        .subsetting(subsetting)
        .build();

    List<Endpoint> expected = subsetting.select(List.of(all));
    assertThat(lb.endpoints()).hasSize(5).containsExactlyInAnyOrderElementsOf(expected);
    Set<Endpoint> picked = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      Pick p = lb.pick();
      picked.add(p.endpoint());
      p.success();
    }
    assertThat(picked).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void subsetting_fleetOfClients_coversEveryServerEvenly() {
    Endpoint[] all = TestSupport.endpoints(12);
    int[] clientsPerServer = new int[12];
    for (int c = 0; c < 8; c++) {
      LoadBalancer lb = LoadBalancer.builder("orders")
          .endpoints(EndpointSource.of(all))
          .subsetting(Subsetting.builder(3).clientIndex(c, 8).build())
          .build();
      for (Endpoint e : lb.endpoints()) {
        clientsPerServer[List.of(all).indexOf(e)]++;
      }
      lb.close();
    }
    // 8 clients x 3 = 24 pairs over 12 servers: exactly 2 each.
    assertThat(clientsPerServer).containsOnly(2);
  }

  @Test
  void subsetting_sourceChange_keepsMostOfTheSubset() {
    List<Endpoint> all = new ArrayList<>(List.of(TestSupport.endpoints(20)));
    MutableEndpointSource source = EndpointSource.mutable(all.toArray(new Endpoint[0]));
    LoadBalancer lb = LoadBalancer.builder("orders")
        .endpoints(source)
        .subsetting(Subsetting.builder(4).clientIndex(1, 5).build())
        .build();
    Set<Endpoint> before = new HashSet<>(lb.endpoints());

    all.add(Endpoint.of("10.9.9.9", 8080));
    source.set(all);

    Set<Endpoint> kept = new HashSet<>(lb.endpoints());
    kept.retainAll(before);
    assertThat(lb.endpoints()).hasSize(4);
    assertThat(kept).as("one server more moves at most one of this client's").hasSizeGreaterThan(2);
  }

  @Test
  void subsetting_givenTwice_refused() {
    assertThatThrownBy(() -> LoadBalancer.builder("orders")
        .subsetting(Subsetting.of(3)).subsetting(Subsetting.of(4)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("subsetting was already set to ");
  }
}
