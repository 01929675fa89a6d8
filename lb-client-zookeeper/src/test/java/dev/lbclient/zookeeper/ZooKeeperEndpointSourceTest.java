package dev.lbclient.zookeeper;

import static dev.lbclient.zookeeper.ZooKeeperTesting.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbclient.EndpointSource;
import dev.lbclient.zookeeper.ZooKeeperTesting.Details;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The source against a real ZooKeeper server, with instances registered by a real Curator {@link
 * ServiceDiscovery} on a second client (or written directly, for malformed ones). One server for
 * the class; each test has its own clients and removes what it wrote.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ZooKeeperEndpointSourceTest {
  private static final String BASE = "/services";
  private static final String PATH = "/services/orders";
  private static TestingServer server;

  private CuratorFramework client;
  private CuratorFramework registrar;
  private ServiceDiscovery<Details> discovery;
  private final Recorder recorder = new Recorder();
  private final List<EndpointSource.Subscription> subscriptions = new ArrayList<>();

  @BeforeAll
  static void startServer() throws Exception {
    server = ZooKeeperTesting.server(true);
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @BeforeEach
  void connect() throws Exception {
    client = ZooKeeperTesting.client(server, 30_000, true);
    registrar = ZooKeeperTesting.client(server, 30_000, true);
    discovery = ZooKeeperTesting.discovery(registrar, BASE);
  }

  @AfterEach
  void cleanUp() throws Exception {
    subscriptions.forEach(EndpointSource.Subscription::close);
    assertThat(recorder.overlapped()).as("overlapping listener calls").isFalse();
    discovery.close();
    if (registrar.checkExists().forPath(BASE) != null) {
      registrar.delete().deletingChildrenIfNeeded().forPath(BASE);
    }
    registrar.close();
    client.close();
  }

  private EndpointSource.Subscription start(ZooKeeperEndpointSource source) {
    return start(source, recorder);
  }

  private EndpointSource.Subscription start(ZooKeeperEndpointSource source,
      EndpointSource.Listener listener) {
    EndpointSource.Subscription s = source.start(listener);
    subscriptions.add(s);
    return s;
  }

  private ServiceInstance<Details> register(String id, String address, int port) throws Exception {
    return register(id, address, port, null);
  }

  private ServiceInstance<Details> register(String id, String address, int port, Details payload)
      throws Exception {
    ServiceInstance<Details> i = instance("orders", id, address, port, payload);
    discovery.registerService(i);
    return i;
  }

  // ---- Reading ------------------------------------------------------------------------------

  @Test
  void start_deliversInitialListBeforeReturning() throws Exception {
    register("a", "10.0.0.1", 8080);
    register("b", "10.0.0.2", 8080);

    start(ZooKeeperEndpointSource.of(client, BASE, "orders"));

    assertThat(recorder.queued()).as("delivered before start returned").isEqualTo(1);
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    assertThat(recorder.errors).isEmpty();
  }

  @Test
  void registerAndUnregister_deliverCompleteSnapshots() throws Exception {
    ServiceInstance<Details> a = register("a", "10.0.0.1", 8080);
    start(ZooKeeperEndpointSource.of(client, BASE, "orders"));
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080");

    register("b", "10.0.0.2", 8080);
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    register("c", "10.0.0.3", 9090);
    assertThat(recorder.nextList())
        .containsExactly("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:9090");

    discovery.unregisterService(a);
    assertThat(recorder.nextList()).containsExactly("10.0.0.2:8080", "10.0.0.3:9090");
    assertThat(recorder.errors).isEmpty();
  }

  @Test
  void payload_zoneAndWeight_mapped_andUpdatesFollowed() throws Exception {
    register("a", "10.0.0.1", 8080, new Details("eu-1a", 3));
    register("b", "10.0.0.2", 8080, new Details("eu-1b", null));
    register("c", "orders-3.internal", 8080, new Details(null, 2));
    start(ZooKeeperEndpointSource.of(client, BASE, "orders"));
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080;weight=3;zone=eu-1a",
        "10.0.0.2:8080;zone=eu-1b", "orders-3.internal:8080;weight=2");

    discovery.updateService(instance("orders", "b", "10.0.0.2", 8080, new Details("eu-1b", 5)));
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080;weight=3;zone=eu-1a",
        "10.0.0.2:8080;weight=5;zone=eu-1b", "orders-3.internal:8080;weight=2");
  }

  @Test
  void instanceReplacedUnderTheSameName_newDataRead_andWatched() throws Exception {
    register("a", "10.0.0.1", 8080);
    start(ZooKeeperEndpointSource.of(client, BASE, "orders"));
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080");

    // Deleted and created again at once, as ServiceDiscovery re-registers an instance.
    JsonInstanceSerializer<Details> json = new JsonInstanceSerializer<>(Details.class);
    registrar.transaction().forOperations(
        registrar.transactionOp().delete().forPath(PATH + "/a"),
        registrar.transactionOp().create().withMode(CreateMode.EPHEMERAL).forPath(PATH + "/a",
            json.serialize(instance("orders", "a", "10.0.0.9", 8080, null))));
    assertThat(recorder.nextList()).containsExactly("10.0.0.9:8080");

    registrar.setData().forPath(PATH + "/a",
        json.serialize(instance("orders", "a", "10.0.0.9", 9090, null)));
    assertThat(recorder.nextList()).containsExactly("10.0.0.9:9090");
    assertThat(recorder.errors).isEmpty();
  }

  @Test
  void useSslPort_readsSslPort_andSkipsInstancesWithout() throws Exception {
    discovery.registerService(ServiceInstance.<Details>builder()
        .name("orders").id("a").address("10.0.0.1").port(8080).sslPort(8443).build());
    register("b", "10.0.0.2", 8080); // no sslPort

    start(ZooKeeperEndpointSource.builder(client, BASE, "orders").useSslPort(true).build());
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8443");
  }

  @Test
  void malformedInstance_skipped_othersDelivered_thenFixed() throws Exception {
    register("a", "10.0.0.1", 8080);
    registrar.create().withMode(CreateMode.EPHEMERAL)
        .forPath(PATH + "/garbage", new byte[] {0x13, 0x37, (byte) 0xff, '{'});
    registrar.create().withMode(CreateMode.EPHEMERAL)
        .forPath(PATH + "/no-port", "{\"name\":\"orders\",\"address\":\"10.0.0.9\"}"
            .getBytes(StandardCharsets.UTF_8));

    start(ZooKeeperEndpointSource.of(client, BASE, "orders"));
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080");

    register("b", "10.0.0.2", 8080);
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");

    // Rewritten as a proper instance, the znode joins the list.
    byte[] fixed = new JsonInstanceSerializer<>(Details.class)
        .serialize(instance("orders", "garbage", "10.0.0.3", 8080, null));
    registrar.setData().forPath(PATH + "/garbage", fixed);
    assertThat(recorder.nextList())
        .containsExactly("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080");
    assertThat(recorder.errors).isEmpty();
  }

  @Test
  void sameAddressTwice_laterRegistrationWins() throws Exception {
    // A restarted server registers again before its old ephemeral znode has expired.
    discovery.registerService(ServiceInstance.<Details>builder().name("orders").id("new")
        .address("10.0.0.1").port(8080).payload(new Details(null, 4))
        .registrationTimeUTC(2_000).build());
    discovery.registerService(ServiceInstance.<Details>builder().name("orders").id("old")
        .address("10.0.0.1").port(8080).payload(new Details(null, 1))
        .registrationTimeUTC(1_000).build());

    start(ZooKeeperEndpointSource.of(client, BASE, "orders"));
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080;weight=4");
  }

  @Test
  void readDenied_reportedThenRetriedUntilAllowed() throws Exception {
    register("a", "10.0.0.1", 8080);
    // Anyone may administer the service znode, nobody may read it.
    List<ACL> noRead = List.of(new ACL(
        ZooDefs.Perms.ADMIN | ZooDefs.Perms.WRITE | ZooDefs.Perms.CREATE | ZooDefs.Perms.DELETE,
        ZooDefs.Ids.ANYONE_ID_UNSAFE));
    registrar.setACL().withACL(noRead).forPath(PATH);

    start(ZooKeeperEndpointSource.of(client, BASE, "orders"));
    assertThat(recorder.nextError()).isEqualTo("ZooKeeper /services/orders failed: NOAUTH");

    // Retried after about a second (backoff), and read once allowed.
    registrar.setACL().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(PATH);
    assertThat(recorder.nextListAfterAny("ZooKeeper /services/orders failed: NOAUTH"))
        .containsExactly("10.0.0.1:8080");
  }

  @Test
  void instanceReadDenied_skipped_othersDelivered() throws Exception {
    register("a", "10.0.0.1", 8080);
    register("b", "10.0.0.2", 8080);
    registrar.setACL().withACL(List.of(new ACL(ZooDefs.Perms.ADMIN, ZooDefs.Ids.ANYONE_ID_UNSAFE)))
        .forPath(PATH + "/b");

    start(ZooKeeperEndpointSource.of(client, BASE, "orders"));
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080");
    assertThat(recorder.errors).isEmpty();
  }

  // ---- Empty answers ------------------------------------------------------------------------

  @Test
  void emptyService_keepsLastListAndReports() throws Exception {
    ServiceInstance<Details> a = register("a", "10.0.0.1", 8080);
    start(ZooKeeperEndpointSource.of(client, BASE, "orders"));
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080");

    discovery.unregisterService(a);
    assertThat(recorder.nextError())
        .isEqualTo("ZooKeeper /services/orders failed: returned no endpoints");
    assertThat(recorder.lists).hasSize(1);

    register("b", "10.0.0.2", 8080);
    assertThat(recorder.nextList()).containsExactly("10.0.0.2:8080");
  }

  @Test
  void emptyService_onlyMalformedInstances_namesTheSkipped() throws Exception {
    registrar.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
        .forPath(PATH + "/bad", "{}".getBytes(StandardCharsets.UTF_8));

    start(ZooKeeperEndpointSource.of(client, BASE, "orders"));
    assertThat(recorder.nextError())
        .isEqualTo("ZooKeeper /services/orders failed: returned no endpoints (1 instance skipped)");
  }

  @Test
  void emptyService_appliedWhenConfigured() throws Exception {
    ServiceInstance<Details> a = register("a", "10.0.0.1", 8080);
    start(ZooKeeperEndpointSource.builder(client, BASE, "orders").applyEmptyAnswers(true).build());
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080");

    discovery.unregisterService(a);
    assertThat(recorder.nextList()).isEmpty();
    assertThat(recorder.errors).isEmpty();
  }

  @Test
  void missingServiceNode_atStart_isAnEmptyAnswer_thenRegistrationArrives() throws Exception {
    start(ZooKeeperEndpointSource.of(client, BASE, "orders"));
    assertThat(recorder.nextError()).isEqualTo(
        "ZooKeeper /services/orders failed: returned no endpoints (no node /services/orders)");
    assertThat(client.checkExists().forPath(BASE)).as("the source never writes").isNull();

    // Curator creates /services/orders, then the instance: the source may see the empty znode.
    register("a", "10.0.0.1", 8080);
    assertThat(recorder.nextListAfterAny("ZooKeeper /services/orders failed: returned no endpoints"))
        .containsExactly("10.0.0.1:8080");

    // The service znode deleted (as ZooKeeper does with an empty container); Curator deletes
    // the instance first, which the source may see on its own.
    registrar.delete().deletingChildrenIfNeeded().forPath(PATH);
    String error = recorder.nextError();
    if (error.equals("ZooKeeper /services/orders failed: returned no endpoints")) {
      error = recorder.nextError();
    }
    assertThat(error).isEqualTo(
        "ZooKeeper /services/orders failed: returned no endpoints (no node /services/orders)");
    assertThat(recorder.lists).hasSize(1);
  }

  @Test
  void missingServiceNode_appliedWhenConfigured_deliversEmpty() {
    start(ZooKeeperEndpointSource.builder(client, BASE, "orders").applyEmptyAnswers(true).build());
    assertThat(recorder.queued()).isEqualTo(1);
    assertThat(recorder.nextList()).isEmpty();
  }

  // ---- Listeners, close ---------------------------------------------------------------------

  @Test
  void close_stopsDelivery_removesWatches_endsThread() throws Exception {
    int before = ZooKeeperTesting.watches(server);
    register("a", "10.0.0.1", 8080);
    register("b", "10.0.0.2", 8080);
    EndpointSource.Subscription s = start(ZooKeeperEndpointSource.of(client, BASE, "orders"));
    assertThat(recorder.nextList()).hasSize(2);
    // One children watch on the service and one data watch per instance, on both sides.
    assertThat(ZooKeeperTesting.watches(server)).isEqualTo(before + 3);
    assertThat(ZooKeeperTesting.clientWatches(client)).containsExactlyInAnyOrder(
        "children " + PATH, "data " + PATH + "/a", "data " + PATH + "/b");
    assertThat(ZooKeeperTesting.threadAlive("lb-client-zookeeper-" + PATH)).isTrue();

    s.close();
    s.close(); // idempotent
    ZooKeeperTesting.awaitTrue("client-side watches removed",
        () -> ZooKeeperTesting.clientWatches(client).isEmpty());
    ZooKeeperTesting.awaitTrue("thread ended",
        () -> !ZooKeeperTesting.threadAlive("lb-client-zookeeper-" + PATH));

    // ZooKeeper removes one watcher only on the client; the server's one-shot entries go when
    // they fire, and nothing sets them again.
    registrar.setData().forPath(PATH + "/a", registrar.getData().forPath(PATH + "/a"));
    registrar.setData().forPath(PATH + "/b", registrar.getData().forPath(PATH + "/b"));
    register("c", "10.0.0.3", 8080);
    ZooKeeperTesting.awaitTrue("server-side watches back to " + before,
        () -> ZooKeeperTesting.watches(server) == before);
    assertThat(ZooKeeperTesting.clientWatches(client)).isEmpty();

    // A change that a second, open source sees is not delivered to the closed one.
    discovery.unregisterService(discovery.queryForInstance("orders", "a"));
    Recorder other = new Recorder();
    start(ZooKeeperEndpointSource.of(client, BASE, "orders"), other);
    assertThat(other.nextList()).containsExactly("10.0.0.2:8080", "10.0.0.3:8080");
    assertThat(recorder.lists).hasSize(1);
    assertThat(recorder.queued()).isZero();
    assertThat(client.getState().name()).as("the client stays open").isEqualTo("STARTED");
  }

  @Test
  void secondListener_getsCurrentListAtOnce_andSharesTheWatch() throws Exception {
    register("a", "10.0.0.1", 8080);
    ZooKeeperEndpointSource source = ZooKeeperEndpointSource.of(client, BASE, "orders");
    EndpointSource.Subscription first = start(source);
    assertThat(recorder.nextList()).containsExactly("10.0.0.1:8080");
    int watches = ZooKeeperTesting.watches(server);

    Recorder second = new Recorder();
    start(source, second);
    assertThat(second.queued()).isEqualTo(1);
    assertThat(second.nextList()).containsExactly("10.0.0.1:8080");
    assertThat(ZooKeeperTesting.watches(server)).isEqualTo(watches);

    first.close();
    register("b", "10.0.0.2", 8080);
    assertThat(second.nextList()).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    assertThat(recorder.queued()).isZero();
  }

  @Test
  void start_clientNotStarted_throws() {
    try (CuratorFramework latent =
        CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100))) {
      ZooKeeperEndpointSource source = ZooKeeperEndpointSource.of(latent, BASE, "orders");
      assertThatThrownBy(() -> source.start(recorder))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("client: the CuratorFramework is LATENT (expected: STARTED; the"
              + " application starts it before the load balancer)");
    }
  }

  @Test
  void namespacedClient_readsUnderTheNamespace() throws Exception {
    CuratorFramework prod = registrar.usingNamespace("prod");
    try (ServiceDiscovery<Details> prodDiscovery = ZooKeeperTesting.discovery(prod, BASE)) {
      prodDiscovery.registerService(instance("orders", "p", "10.1.0.1", 8080, null));
      register("a", "10.0.0.1", 8080); // outside the namespace

      start(ZooKeeperEndpointSource.of(client.usingNamespace("prod"), BASE, "orders"));
      assertThat(recorder.nextList()).containsExactly("10.1.0.1:8080");
    } finally {
      registrar.delete().deletingChildrenIfNeeded().forPath("/prod");
    }
  }

  @Test
  void description_isTheWatchedPath_withTheNamespace() {
    assertThat(ZooKeeperEndpointSource.of(client, BASE, "orders").description())
        .isEqualTo("ZooKeeper /services/orders");
    assertThat(ZooKeeperEndpointSource.of(client.usingNamespace("prod"), "/services/", "orders")
        .description()).isEqualTo("ZooKeeper /prod/services/orders");
    assertThat(ZooKeeperEndpointSource.of(client, BASE, "orders").toString())
        .isEqualTo("ZooKeeperEndpointSource{ZooKeeper /services/orders}");
  }
}
