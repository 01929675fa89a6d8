package dev.lbclient.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.FourLetterWordMain;
import org.jspecify.annotations.Nullable;

/**
 * A real ZooKeeper server (Curator's {@link TestingServer}, in-process, on 127.0.0.1 only) and
 * the clients the tests use: one for the source, one for the registering side.
 */
final class ZooKeeperTesting {
  private static final Pattern TOTAL_WATCHES = Pattern.compile("zk_watch_count\\s+(\\d+)");

  private ZooKeeperTesting() {}

  /** The instance payload the registering side writes, as an application would. */
  public static final class Details {
    public @Nullable String zone;
    public @Nullable Integer weight;

    public Details() {}

    Details(@Nullable String zone, @Nullable Integer weight) {
      this.zone = zone;
      this.weight = weight;
    }
  }

  /**
   * A server on a free loopback port. Tick time 200 ms (sessions may be as short as that), at most
   * 60 s; the "mntr" four-letter command tells how many watches the server holds; empty
   * container znodes are left alone during a test run.
   */
  static TestingServer server(boolean start) throws Exception {
    System.setProperty("zookeeper.4lw.commands.whitelist", "mntr");
    System.setProperty("znode.container.checkIntervalMs", String.valueOf(TimeUnit.HOURS.toMillis(1)));
    Map<String, Object> properties = Map.of(
        "clientPortAddress", "127.0.0.1",
        "maxSessionTimeout", "60000");
    InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, 200, -1, properties,
        "127.0.0.1");
    return new TestingServer(spec, start);
  }

  /** A started Curator client; waits for the connection when asked to. */
  static CuratorFramework client(TestingServer server, int sessionTimeoutMs, boolean await)
      throws InterruptedException {
    CuratorFramework client = CuratorFrameworkFactory.builder()
        .connectString(server.getConnectString())
        .sessionTimeoutMs(sessionTimeoutMs)
        .connectionTimeoutMs(5_000)
        .retryPolicy(new ExponentialBackoffRetry(100, 3))
        .build();
    client.start();
    if (await) {
      assertThat(client.blockUntilConnected(20, TimeUnit.SECONDS)).as("connected").isTrue();
    }
    return client;
  }

  /**
   * Curator's service discovery on the registering client. It is not started: a started one
   * registers its instances again (delete, then create) when its client's CONNECTED or
   * RECONNECTED event reaches it, at a moment the test cannot know, and a watching source rightly
   * reports that as two changes. Registering, updating and unregistering work the same either way.
   */
  static ServiceDiscovery<Details> discovery(CuratorFramework registrar, String basePath) {
    return ServiceDiscoveryBuilder.builder(Details.class)
        .client(registrar)
        .basePath(basePath)
        .build();
  }

  static ServiceInstance<Details> instance(String name, String id, String address, int port,
      @Nullable Details payload) throws Exception {
    return ServiceInstance.<Details>builder()
        .name(name).id(id).address(address).port(port).payload(payload)
        .build();
  }

  /**
   * The number of watches the server holds (data, exists and children watches), from the "mntr"
   * four-letter command.
   */
  static int watches(TestingServer server) {
    try {
      String answer = FourLetterWordMain.send4LetterWord("127.0.0.1", server.getPort(), "mntr");
      Matcher m = TOTAL_WATCHES.matcher(answer);
      assertThat(m.find()).as("mntr answer: %s", answer).isTrue();
      return Integer.parseInt(m.group(1));
    } catch (Exception e) {
      throw new AssertionError("mntr failed", e);
    }
  }

  /**
   * The watches this client's ZooKeeper handle holds, as {@code "data /path"}, {@code "exists
   * /path"} or {@code "children /path"}. (ZooKeeper keeps these lists for its own tests, behind
   * protected methods.)
   */
  static List<String> clientWatches(CuratorFramework client) {
    try {
      ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
      List<String> out = new ArrayList<>();
      for (String kind : List.of("Data", "Exist", "Child")) {
        Method m = ZooKeeper.class.getDeclaredMethod("get" + kind + "Watches");
        m.setAccessible(true);
        @SuppressWarnings("unchecked")
        List<String> paths = (List<String>) m.invoke(zk);
        String label = kind.equals("Child") ? "children" : kind.toLowerCase(Locale.ROOT);
        for (String p : paths) {
          if (!p.startsWith("/zookeeper")) { // Curator's own watch on the ensemble config
            out.add(label + " " + p);
          }
        }
      }
      return out;
    } catch (Exception e) {
      throw new AssertionError("cannot list the client's watches", e);
    }
  }

  /**
   * Waits until a condition about the server or the JVM holds. Such conditions (a server-side
   * watch count, a thread ending) send no event to wait on, so they are polled, every 20 ms up to
   * 20 s; the test fails if the condition never holds.
   */
  static void awaitTrue(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(Recorder.TIMEOUT_SECONDS).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("still not true after " + Recorder.TIMEOUT_SECONDS + " s: " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  static boolean threadAlive(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }
}
