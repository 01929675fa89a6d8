package dev.lbclient.zookeeper;

import static dev.lbclient.zookeeper.ZooKeeperTesting.instance;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.zookeeper.ZooKeeperTesting.Details;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server stopped and started again under a running source: connection loss, session loss, and
 * a client that is not connected yet when the source starts. Each test has its own server.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OutageTest {
  private static final String BASE = "/services";
  private static final String SUSPENDED = "ZooKeeper /services/orders failed: connection SUSPENDED";
  private static final String LOST = "ZooKeeper /services/orders failed: connection LOST";

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final Recorder recorder = new Recorder();
  private TestingServer server;

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    server.close();
    assertThat(recorder.overlapped()).as("overlapping listener calls").isFalse();
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closeables.add(c);
    return c;
  }

  private CuratorFramework client(int sessionTimeoutMs, boolean await) throws Exception {
    return closeLater(ZooKeeperTesting.client(server, sessionTimeoutMs, await));
  }

  /** A registrar whose 60 s session outlives the outages, so its instances stay registered. */
  private ServiceDiscovery<Details> registrar() throws Exception {
    return closeLater(ZooKeeperTesting.discovery(client(60_000, true), BASE));
  }

  @Test
  void serverStopped_keepsListAndReportsStale_restarted_deliversFreshList() throws Exception {
    server = ZooKeeperTesting.server(true);
    ServiceDiscovery<Details> discovery = registrar();
    discovery.registerService(instance("orders", "a", "10.0.0.1", 8080, null));
    discovery.registerService(instance("orders", "b", "10.0.0.2", 8080, null));
    CuratorFramework client = client(30_000, true);
    ZooKeeperEndpointSource source = ZooKeeperEndpointSource.of(client, BASE, "orders");
    // The load balancer first, so that it has each delivery before the recorder does.
    LoadBalancer lb = closeLater(LoadBalancer.builder("orders").endpoints(source).build());
    closeLater(source.start(recorder));
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");

    server.stop();
    assertThat(recorder.nextError()).isEqualTo(SUSPENDED);
    assertThat(lb.sourceStatus().isStale()).isTrue();
    assertThat(lb.sourceStatus().lastError()).isEqualTo(SUSPENDED);
    assertThat(lb.endpoints()).extracting(Endpoint::address)
        .containsExactly("10.0.0.1:8080", "10.0.0.2:8080");

    server.restart();
    // Every instance read again, and the list delivered although unchanged: fresh again.
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    assertThat(lb.sourceStatus().isStale()).isFalse();
    assertThat(recorder.lists).hasSize(2);

    // The watches work on the restored connection.
    discovery.registerService(instance("orders", "c", "10.0.0.3", 8080, null));
    assertThat(recorder.nextList())
        .containsExactly("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080");
    assertThat(lb.endpoints()).hasSize(3);
  }

  @Test
  void sessionLost_reportsLost_thenReadsAgainWithTheNewSession() throws Exception {
    server = ZooKeeperTesting.server(true);
    ServiceDiscovery<Details> discovery = registrar();
    discovery.registerService(instance("orders", "a", "10.0.0.1", 8080, null));
    // A one-second session: Curator declares it LOST one second into the outage.
    CuratorFramework client = client(1_000, true);
    closeLater(ZooKeeperEndpointSource.of(client, BASE, "orders").start(recorder));
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080");

    server.stop();
    assertThat(recorder.nextError()).isEqualTo(SUSPENDED);
    assertThat(recorder.nextError()).isEqualTo(LOST);

    server.restart();
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080");
    // The new session has the watches again.
    discovery.registerService(instance("orders", "b", "10.0.0.2", 8080, null));
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    assertThat(ZooKeeperTesting.clientWatches(client)).containsExactlyInAnyOrder(
        "children /services/orders", "data /services/orders/a", "data /services/orders/b");
  }

  @Test
  void start_notConnectedYet_reportsNoAnswer_thenDeliversOnceConnected() throws Exception {
    server = ZooKeeperTesting.server(true);
    // A permanent instance (a persistent znode), written while the server runs.
    CuratorFramework registrar = client(60_000, true);
    ServiceDiscovery<Details> discovery = ZooKeeperTesting.discovery(registrar, BASE);
    discovery.registerService(ServiceInstance.<Details>builder().name("orders").id("a")
        .address("10.0.0.1").port(8080).serviceType(ServiceType.PERMANENT).build());
    server.stop();

    CuratorFramework client = client(30_000, false);
    ZooKeeperEndpointSource source = ZooKeeperEndpointSource.builder(client, BASE, "orders")
        .startTimeout(Duration.ofMillis(300))
        .build();
    EndpointSource.Subscription s = closeLater(source.start(recorder)); // returns, no exception
    assertThat(recorder.nextError()).isEqualTo(
        "ZooKeeper /services/orders failed: no answer within 0.3 s (not connected)");

    server.restart();
    // Curator may give up a read while it waits for the connection; the source reads again.
    assertThat(recorder.nextListAfterAny("ZooKeeper /services/orders failed: CONNECTIONLOSS"))
        .containsExactly("10.0.0.1:8080");
    s.close();
  }
}
