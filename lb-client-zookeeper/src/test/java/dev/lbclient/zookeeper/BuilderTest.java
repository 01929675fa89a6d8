package dev.lbclient.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Arguments and settings are checked at once, with messages that name the value. */
class BuilderTest {
  // Never started: building a source does not touch the client.
  private final CuratorFramework client =
      CuratorFrameworkFactory.newClient("127.0.0.1:1", new RetryOneTime(1));

  @AfterEach
  void close() {
    client.close();
  }

  @Test
  void of_nullArguments_namedInTheException() {
    assertThatThrownBy(() -> ZooKeeperEndpointSource.of(null, "/services", "orders"))
        .isInstanceOf(NullPointerException.class).hasMessage("client");
    assertThatThrownBy(() -> ZooKeeperEndpointSource.of(client, null, "orders"))
        .isInstanceOf(NullPointerException.class).hasMessage("basePath");
    assertThatThrownBy(() -> ZooKeeperEndpointSource.of(client, "/services", null))
        .isInstanceOf(NullPointerException.class).hasMessage("serviceName");
  }

  @Test
  void of_blankNames_rejected() {
    assertThatThrownBy(() -> ZooKeeperEndpointSource.of(client, " ", "orders"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("basePath: ' ' (expected: a ZooKeeper path, e.g. /services)");
    assertThatThrownBy(() -> ZooKeeperEndpointSource.of(client, "/services", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("serviceName: '' (expected: a service name, e.g. orders)");
  }

  @Test
  void of_invalidPath_rejected() {
    assertThatThrownBy(() -> ZooKeeperEndpointSource.of(client, "/services", "orders/./x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("basePath and serviceName: '/services', 'orders/./x' make"
            + " /services/orders/./x (expected: a valid ZooKeeper path: Invalid path string"
            + " \"/services/orders/./x\" caused by relative paths not allowed @17)");
  }

  @Test
  void of_pathsJoinedAsCuratorJoinsThem() {
    // ServiceDiscovery's own rule (ZKPaths.makePath): slashes added or dropped as needed.
    assertThat(ZooKeeperEndpointSource.of(client, "services/", "orders").description())
        .isEqualTo("ZooKeeper /services/orders");
    assertThat(ZooKeeperEndpointSource.of(client, "/", "orders").description())
        .isEqualTo("ZooKeeper /orders");
  }

  @Test
  void settings_givenTwice_rejectedWithTheEarlierValue() {
    ZooKeeperEndpointSource.Builder b = ZooKeeperEndpointSource.builder(client, "/s", "o")
        .applyEmptyAnswers(true).useSslPort(false).startTimeout(Duration.ofSeconds(2));
    assertThatThrownBy(() -> b.applyEmptyAnswers(false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("applyEmptyAnswers was already set to true");
    assertThatThrownBy(() -> b.useSslPort(true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("useSslPort was already set to false");
    assertThatThrownBy(() -> b.startTimeout(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("startTimeout was already set to PT2S");
  }

  @Test
  void startTimeout_outOfRange_rejected() {
    ZooKeeperEndpointSource.Builder b = ZooKeeperEndpointSource.builder(client, "/s", "o");
    assertThatThrownBy(() -> b.startTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("startTimeout: PT0S (expected: PT0.001S..PT1M)");
    assertThatThrownBy(() -> b.startTimeout(Duration.ofMinutes(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("startTimeout: PT2M (expected: PT0.001S..PT1M)");
    assertThatThrownBy(() -> b.startTimeout(null))
        .isInstanceOf(NullPointerException.class).hasMessage("timeout");
  }

  @Test
  void start_nullListener_rejected() {
    assertThatThrownBy(() -> ZooKeeperEndpointSource.of(client, "/s", "o").start(null))
        .isInstanceOf(NullPointerException.class).hasMessage("listener");
  }
}
