package dev.lbclient.xds;

import static dev.lbclient.xds.Eds.assignment;
import static dev.lbclient.xds.Eds.endpoint;
import static dev.lbclient.xds.Eds.locality;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * 10,000 endpoints in one assignment, served by {@link ControlPlane}, arrive as one list: counts
 * are asserted, the time taken is only logged (at INFO, shown in the build output).
 */
@Timeout(60)
class XdsScaleTest {
  private static final Logger log = LoggerFactory.getLogger(XdsScaleTest.class);
  private static final int COUNT = 10_000;

  private static ClusterLoadAssignment big(int port) {
    LbEndpoint[] endpoints = new LbEndpoint[COUNT];
    for (int i = 0; i < COUNT; i++) {
      endpoints[i] = endpoint("10." + (i >> 16) + "." + ((i >> 8) & 0xff) + "." + (i & 0xff), port);
    }
    return assignment("orders", locality(endpoints));
  }

  @Test
  void tenThousandEndpoints_oneSnapshotEach() throws Exception {
    try (ControlPlane server = ControlPlane.start()) {
      ClusterLoadAssignment first = big(8080);
      ClusterLoadAssignment second = big(9090);
      server.set("client-1", "1", first);
      Recorder listener = new Recorder();
      XdsEndpointSource source = XdsEndpointSource.of(server.address(), "orders", "client-1");

      long t0 = System.nanoTime();
      EndpointSource.Subscription s = source.start(listener);
      List<Endpoint> initial = listener.nextList();
      long startNanos = System.nanoTime() - t0;

      long t1 = System.nanoTime();
      server.set("client-1", "2", second);
      List<Endpoint> updated = listener.nextList();
      long updateNanos = System.nanoTime() - t1;

      long t2 = System.nanoTime();
      server.set("client-1", "3", first);
      List<Endpoint> again = listener.nextList();
      long againNanos = System.nanoTime() - t2;
      s.close();

      assertThat(initial).hasSize(COUNT);
      assertThat(initial.get(COUNT - 1).address()).isEqualTo("10.0.39.15:8080");
      assertThat(updated).hasSize(COUNT).allMatch(e -> e.port() == 9090);
      assertThat(again).isEqualTo(initial);
      assertThat(listener.lists).isEmpty();
      assertThat(listener.errors).isEmpty();
      // The client's own share, on CPU time so that other processes on the machine do not count:
      // parse the bytes as they come off the wire and map them to endpoints, warm.
      ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
      byte[] wire = first.toByteArray();
      long best = Long.MAX_VALUE;
      for (int i = 0; i < 5; i++) {
        long c0 = cpu.getCurrentThreadCpuTime();
        assertThat(LoadAssignments.endpoints(ClusterLoadAssignment.parseFrom(wire)).endpoints)
            .hasSize(COUNT);
        best = Math.min(best, cpu.getCurrentThreadCpuTime() - c0);
      }
      log.info("{} endpoints: parse and map, warm, best of 5: {} ms of CPU", COUNT,
          best / 1_000_000);
      log.info("{} endpoints in one ClusterLoadAssignment ({} bytes): start() to the first list"
              + " {} ms (connect and class loading included); a new snapshot version,"
              + " setSnapshot to delivery {} ms, then {} ms", COUNT, first.getSerializedSize(),
          startNanos / 1_000_000, updateNanos / 1_000_000, againNanos / 1_000_000);
    }
  }
}
