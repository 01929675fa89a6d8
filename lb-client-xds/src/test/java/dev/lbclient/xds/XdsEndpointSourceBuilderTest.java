package dev.lbclient.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Each builder setting: its default, its range, and the exact message when it is wrong. */
class XdsEndpointSourceBuilderTest {

  private static XdsEndpointSource.Builder builder() {
    return XdsEndpointSource.builder("127.0.0.1:18000", "orders");
  }

  @Test
  void defaults() {
    XdsEndpointSource s = builder().nodeId("client-1").build();
    assertThat(s.description()).isEqualTo("EDS orders from 127.0.0.1:18000");
    assertThat(s.toString()).isEqualTo("XdsEndpointSource{EDS orders from 127.0.0.1:18000,"
        + " node client-1}");
    assertThat(s.node.getId()).isEqualTo("client-1");
    assertThat(s.node.getCluster()).isEmpty();
    assertThat(s.applyEmptyAnswers).isFalse();
    assertThat(s.initialFetchTimeoutNanos).isEqualTo(TimeUnit.SECONDS.toNanos(5));
    assertThat(s.backoffInitialNanos).isEqualTo(TimeUnit.SECONDS.toNanos(1));
    assertThat(s.backoffMaxNanos).isEqualTo(TimeUnit.SECONDS.toNanos(30));
    assertThat(s.channel).isNull();
    assertThat(s.activeStream()).isNull();
  }

  @Test
  void of_sameAsBuilderWithNodeId() {
    XdsEndpointSource s = XdsEndpointSource.of("xds.internal:18000", "orders", "client-1");
    assertThat(s.toString())
        .isEqualTo("XdsEndpointSource{EDS orders from xds.internal:18000, node client-1}");
  }

  @Test
  void managementServer_forms() {
    XdsEndpointSource v6 = XdsEndpointSource.builder("[::1]:18000", "orders").nodeId("n").build();
    assertThat(v6.host).isEqualTo("::1");
    assertThat(v6.port).isEqualTo(18000);
    XdsEndpointSource named = XdsEndpointSource.builder("xds.internal:443", "orders")
        .nodeId("n").build();
    assertThat(named.host).isEqualTo("xds.internal");
    assertThat(named.port).isEqualTo(443);
  }

  @Test
  void managementServer_invalid() {
    for (String bad : new String[] {"", "127.0.0.1", "127.0.0.1:", ":18000", "127.0.0.1:0",
        "127.0.0.1:65536", "127.0.0.1:http", "::1:18000", "[::1]", "a b:80", "h:+80"}) {
      assertThatThrownBy(() -> XdsEndpointSource.builder(bad, "orders"))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("managementServer: '" + bad
              + "' (expected: host:port or [ipv6]:port, e.g. 127.0.0.1:18000)");
    }
  }

  @Test
  void nullArguments_named() {
    assertThatThrownBy(() -> XdsEndpointSource.builder(null, "orders"))
        .isInstanceOf(NullPointerException.class).hasMessage("managementServer");
    assertThatThrownBy(() -> XdsEndpointSource.builder("127.0.0.1:1", null))
        .isInstanceOf(NullPointerException.class).hasMessage("clusterName");
    assertThatThrownBy(() -> builder().nodeId(null))
        .isInstanceOf(NullPointerException.class).hasMessage("nodeId");
    assertThatThrownBy(() -> builder().nodeCluster(null))
        .isInstanceOf(NullPointerException.class).hasMessage("nodeCluster");
    assertThatThrownBy(() -> builder().initialFetchTimeout(null))
        .isInstanceOf(NullPointerException.class).hasMessage("timeout");
    assertThatThrownBy(() -> builder().backoff(null, Duration.ofSeconds(1)))
        .isInstanceOf(NullPointerException.class).hasMessage("initial");
    assertThatThrownBy(() -> builder().backoff(Duration.ofSeconds(1), null))
        .isInstanceOf(NullPointerException.class).hasMessage("max");
    assertThatThrownBy(() -> builder().channel(null))
        .isInstanceOf(NullPointerException.class).hasMessage("channel");
    assertThatThrownBy(() -> builder().nodeId("n").build().start(null))
        .isInstanceOf(NullPointerException.class).hasMessage("listener");
  }

  @Test
  void clusterName_blank() {
    assertThatThrownBy(() -> XdsEndpointSource.builder("127.0.0.1:1", " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clusterName: ' ' (expected: not blank)");
  }

  @Test
  void nodeId_blank_twice_missing() {
    assertThatThrownBy(() -> builder().nodeId(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("nodeId: '' (expected: not blank)");
    assertThatThrownBy(() -> builder().nodeId("a").nodeId("b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("nodeId was already set to a");
    assertThatThrownBy(() -> builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("nodeId is not set (expected: the node id the management server knows this"
            + " client by, e.g. nodeId(\"client-1\"))");
  }

  @Test
  void nodeCluster_setBlankTwice() {
    assertThat(builder().nodeId("n").nodeCluster("shop").build().node.getCluster())
        .isEqualTo("shop");
    assertThatThrownBy(() -> builder().nodeCluster("\t"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("nodeCluster: '\t' (expected: not blank)");
    assertThatThrownBy(() -> builder().nodeCluster("a").nodeCluster("b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("nodeCluster was already set to a");
  }

  @Test
  void applyEmptyAnswers_setTwice() {
    assertThat(builder().nodeId("n").applyEmptyAnswers(true).build().applyEmptyAnswers).isTrue();
    assertThatThrownBy(() -> builder().applyEmptyAnswers(false).applyEmptyAnswers(true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("applyEmptyAnswers was already set to false");
  }

  @Test
  void initialFetchTimeout_range() {
    assertThat(builder().nodeId("n").initialFetchTimeout(Duration.ofMillis(1)).build()
        .initialFetchTimeoutNanos).isEqualTo(1_000_000);
    assertThat(builder().nodeId("n").initialFetchTimeout(Duration.ofMinutes(1)).build()
        .initialFetchTimeoutNanos).isEqualTo(60_000_000_000L);
    assertThatThrownBy(() -> builder().initialFetchTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("initialFetchTimeout: PT0S (expected: PT0.001S..PT1M)");
    assertThatThrownBy(() -> builder().initialFetchTimeout(Duration.ofSeconds(61)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("initialFetchTimeout: PT1M1S (expected: PT0.001S..PT1M)");
    assertThatThrownBy(() -> builder().initialFetchTimeout(Duration.ofSeconds(1))
        .initialFetchTimeout(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("initialFetchTimeout was already set to PT1S");
  }

  @Test
  void backoff_range() {
    assertThatThrownBy(() -> builder().backoff(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backoff initial: PT0S (expected: positive)");
    assertThatThrownBy(() -> builder().backoff(Duration.ofSeconds(1), Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backoff max: PT-1S (expected: positive)");
    assertThatThrownBy(() -> builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backoff: PT2S to PT1S (expected: initial <= max)");
    assertThatThrownBy(() -> builder().backoff(Duration.ofSeconds(1), Duration.ofSeconds(2))
        .backoff(Duration.ofSeconds(1), Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("backoff was already set to PT1S");
  }

  @Test
  void backoff_doublesToMax_withinTwentyPercent() {
    XdsEndpointSource mid = builder().nodeId("n").random(() -> 0.5).build();
    long s = TimeUnit.SECONDS.toNanos(1);
    assertThat(new long[] {mid.backoffNanos(1), mid.backoffNanos(2), mid.backoffNanos(3),
        mid.backoffNanos(5), mid.backoffNanos(6), mid.backoffNanos(7), mid.backoffNanos(1000)})
        .containsExactly(s, 2 * s, 4 * s, 16 * s, 30 * s, 30 * s, 30 * s);
    XdsEndpointSource low = builder().nodeId("n").random(() -> 0.0).build();
    assertThat(low.backoffNanos(1)).isEqualTo(800_000_000L);
    XdsEndpointSource high = builder().nodeId("n").random(() -> Math.nextDown(1.0)).build();
    assertThat(high.backoffNanos(6)).isBetween(35_999_000_000L, 36_000_000_000L);
    XdsEndpointSource shortOnes = builder().nodeId("n")
        .backoff(Duration.ofMillis(10), Duration.ofMillis(100)).random(() -> 0.5).build();
    assertThat(shortOnes.backoffNanos(4)).isEqualTo(80_000_000L);
    assertThat(shortOnes.backoffNanos(5)).isEqualTo(100_000_000L);
  }

  @Test
  void channel_setTwice() throws Exception {
    ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", 1).usePlaintext().build();
    try {
      assertThat(builder().nodeId("n").channel(c).build().channel).isSameAs(c);
      assertThatThrownBy(() -> builder().channel(c).channel(c))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("channel was already set to " + c);
    } finally {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
