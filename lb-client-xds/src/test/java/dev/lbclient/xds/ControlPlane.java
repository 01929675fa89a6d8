package dev.lbclient.xds;

import static org.assertj.core.api.Assertions.fail;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Envoy's own Java management server: java-control-plane's {@link V3DiscoveryServer} over a {@link
 * SimpleCache} keyed by node id, served by a gRPC Netty server on 127.0.0.1 (a free port, kept
 * across {@link #stop()} and {@link #restart()}). Its callbacks record every request the client
 * sends and every response the server sends, and count open streams.
 */
final class ControlPlane implements AutoCloseable {
  final SimpleCache<String> cache = new SimpleCache<>(node -> node.getId());
  final BlockingQueue<DiscoveryRequest> requests = new LinkedBlockingQueue<>();
  final BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
  final AtomicInteger openStreams = new AtomicInteger();
  final BlockingQueue<Long> closedStreams = new LinkedBlockingQueue<>();
  private final V3DiscoveryServer discovery;
  private Server server;
  final int port;

  private ControlPlane() throws IOException {
    discovery = new V3DiscoveryServer(new DiscoveryServerCallbacks() {
      @Override
      public void onStreamOpen(long streamId, String typeUrl) {
        openStreams.incrementAndGet();
      }

      @Override
      public void onStreamClose(long streamId, String typeUrl) {
        openStreams.decrementAndGet();
        closedStreams.add(streamId);
      }

      @Override
      public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
        openStreams.decrementAndGet();
        closedStreams.add(streamId);
      }

      @Override
      public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        requests.add(request);
      }

      @Override
      public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {}

      @Override
      public void onV3StreamResponse(long streamId, DiscoveryRequest request,
          DiscoveryResponse response) {
        responses.add(response);
      }
    }, cache);
    server = bind(0);
    port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  static ControlPlane start() throws IOException {
    return new ControlPlane();
  }

  private Server bind(int p) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", p))
        .addService(discovery.getAggregatedDiscoveryServiceImpl())
        .build()
        .start();
  }

  String address() {
    return "127.0.0.1:" + port;
  }

  /** Publishes a snapshot for node {@code nodeId} with these assignments at {@code version}. */
  void set(String nodeId, String version, ClusterLoadAssignment... assignments) {
    cache.setSnapshot(nodeId, Snapshot.create(List.of(), List.of(assignments), List.of(),
        List.of(), List.of(), version));
  }

  /** Stops the server at once: open streams fail, new connections are refused. */
  void stop() throws InterruptedException {
    server.shutdownNow();
    if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
      fail("the server did not stop within 10 s");
    }
  }

  /** Serves again on the same port. */
  void restart() throws IOException {
    server = bind(port);
  }

  DiscoveryRequest nextRequest() throws InterruptedException {
    DiscoveryRequest r = requests.poll(Recorder.WAIT_SECONDS, TimeUnit.SECONDS);
    if (r == null) {
      fail("no request within " + Recorder.WAIT_SECONDS + " s");
    }
    return r;
  }

  DiscoveryResponse nextResponse() throws InterruptedException {
    DiscoveryResponse r = responses.poll(Recorder.WAIT_SECONDS, TimeUnit.SECONDS);
    if (r == null) {
      fail("no response within " + Recorder.WAIT_SECONDS + " s");
    }
    return r;
  }

  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
