package dev.lbclient.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.EndpointSource;
import dev.lbclient.zookeeper.ZooKeeperTesting.Details;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.test.TestingServer;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.ServiceType;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * 10,000 instances written in one ZooKeeper transaction arrive as one snapshot of 10,000
 * endpoints, and removed in one transaction as one empty snapshot. The times are logged, never
 * asserted. (The surefire configuration raises {@code jute.maxbuffer} for the 2.5 MB transaction.)
 */
class ScaleTest {
  private static final Logger log = LoggerFactory.getLogger(ScaleTest.class);
  private static final int COUNT = 10_000;
  private static final String PATH = "/services/orders";

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void tenThousandInstancesInOneTransaction_oneSnapshot() throws Exception {
    try (TestingServer server = ZooKeeperTesting.server(true);
        CuratorFramework client = ZooKeeperTesting.client(server, 30_000, true);
        CuratorFramework registrar = ZooKeeperTesting.client(server, 30_000, true)) {
      registrar.create().creatingParentsIfNeeded().forPath(PATH);
      Recorder recorder = new Recorder();
      ZooKeeperEndpointSource source = ZooKeeperEndpointSource.builder(client, "/services", "orders")
          .applyEmptyAnswers(true)
          .build();
      EndpointSource.Subscription subscription = source.start(recorder);
      assertThat(recorder.nextList()).isEmpty();

      // The JSON Curator's ServiceDiscovery writes, one ephemeral znode per instance.
      JsonInstanceSerializer<Details> serializer = new JsonInstanceSerializer<>(Details.class);
      List<CuratorOp> creates = new ArrayList<>(COUNT);
      List<CuratorOp> deletes = new ArrayList<>(COUNT);
      long bytes = 0;
      for (int i = 0; i < COUNT; i++) {
        String id = String.format(Locale.ROOT, "instance-%05d", i);
        String address = "10.0." + (i / 250) + "." + (i % 250 + 1);
        byte[] data = serializer.serialize(new ServiceInstance<>("orders", id, address, 8080,
            null, new Details("zone-" + (i % 3), 1 + i % 5), System.currentTimeMillis(),
            ServiceType.DYNAMIC, null));
        bytes += data.length;
        creates.add(registrar.transactionOp().create().withMode(CreateMode.EPHEMERAL)
            .forPath(PATH + "/" + id, data));
        deletes.add(registrar.transactionOp().delete().forPath(PATH + "/" + id));
      }

      long start = System.nanoTime();
      registrar.transaction().forOperations(creates);
      long committed = System.nanoTime();
      List<String> all = recorder.nextList();
      long delivered = System.nanoTime();
      assertThat(all).hasSize(COUNT);
      assertThat(all.get(0)).isEqualTo("10.0.0.1:8080;zone=zone-0");
      assertThat(all.get(COUNT - 1)).isEqualTo("10.0.39.250:8080;weight=5;zone=zone-0");
      assertThat(recorder.lists).as("no partial snapshot").hasSize(2);
      log.info("{} instances ({} KB of JSON) in one transaction: committed in {} ms; delivered as"
          + " one snapshot {} ms after the commit", COUNT, bytes / 1024,
          ms(committed - start), ms(delivered - committed));

      long removeStart = System.nanoTime();
      registrar.transaction().forOperations(deletes);
      long removeCommitted = System.nanoTime();
      assertThat(recorder.nextList()).isEmpty();
      long removeDelivered = System.nanoTime();
      assertThat(recorder.lists).hasSize(3);
      log.info("{} instances removed in one transaction: committed in {} ms; delivered as one"
          + " empty snapshot {} ms after the commit", COUNT, ms(removeCommitted - removeStart),
          ms(removeDelivered - removeCommitted));

      subscription.close();
      ZooKeeperTesting.awaitTrue("client-side watches removed",
          () -> ZooKeeperTesting.clientWatches(client).isEmpty());
      assertThat(recorder.overlapped()).isFalse();
    }
  }

  private static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.0f", nanos / 1e6);
  }
}
