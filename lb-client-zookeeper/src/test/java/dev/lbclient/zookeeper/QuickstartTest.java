package dev.lbclient.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import dev.lbclient.LoadBalancer;
import dev.lbclient.Pick;
import dev.lbclient.zookeeper.ZooKeeperTesting.Details;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's quickstart, as written there, with a real load balancer and a real server. */
class QuickstartTest {
  private final List<String> called = new ArrayList<>();

  private void callSomething(Endpoint e) {
    called.add(e.host() + ":" + e.port());
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void quickstart_asInTheReadme() throws Exception {
    try (TestingServer server = ZooKeeperTesting.server(true);
        CuratorFramework registrar = ZooKeeperTesting.client(server, 30_000, true);
        ServiceDiscovery<Details> discovery = ZooKeeperTesting.discovery(registrar, "/services")) {
      // The servers' side: each registers itself with Curator's ServiceDiscovery.
      discovery.registerService(
          ZooKeeperTesting.instance("orders", "1", "10.0.0.1", 8080, new Details("eu-1a", 2)));
      discovery.registerService(
          ZooKeeperTesting.instance("orders", "2", "10.0.0.2", 8080, new Details("eu-1b", 1)));
      String connectString = server.getConnectString();

      // ---- README snippet, verbatim ----
      CuratorFramework client = CuratorFrameworkFactory.newClient(connectString,
          new ExponentialBackoffRetry(1000, 3));
      client.start();                                  // the application owns the client

      LoadBalancer orders = LoadBalancer.builder("orders")
          .endpoints(ZooKeeperEndpointSource.of(client, "/services", "orders"))
          .build();                                    // waits for the first list (at most 5 s)

      List<Endpoint> endpoints = orders.endpoints();   // the instances under /services/orders
      try (Pick pick = orders.pick()) {
        Endpoint e = pick.endpoint();                  // e.host(), e.port(), e.zone(), e.weight()
        callSomething(e);
        pick.success();
      }

      orders.close();                                  // removes the watches; not the client
      client.close();
      // ---- end of snippet ----

      assertThat(endpoints).extracting(Endpoint::toString)
          .containsExactly("10.0.0.1:8080;weight=2;zone=eu-1a", "10.0.0.2:8080;zone=eu-1b");
      assertThat(called).hasSize(1).first().isIn("10.0.0.1:8080", "10.0.0.2:8080");
      assertThat(client.getState()).isEqualTo(CuratorFrameworkState.STOPPED);
    }
  }
}
