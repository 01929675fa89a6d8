package dev.lbclient.xds;

import static org.assertj.core.api.Assertions.fail;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A hand-written ADS server that sends exactly the responses a test gives it, malformed ones
 * included, which java-control-plane's cache would not produce (it serves only well-typed
 * resources, and answers a NACK by sending the same version again at once). It records every
 * request. Only the NACK and stream-ending tests use it; everything else runs against {@link
 * ControlPlane}.
 */
final class FakeAdsServer implements AutoCloseable {
  final BlockingQueue<DiscoveryRequest> requests = new LinkedBlockingQueue<>();
  private final BlockingQueue<StreamObserver<DiscoveryResponse>> streams =
      new LinkedBlockingQueue<>();
  private StreamObserver<DiscoveryResponse> current;
  private final Server server;
  final int port;

  FakeAdsServer() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase() {
          @Override
          public StreamObserver<DiscoveryRequest> streamAggregatedResources(
              StreamObserver<DiscoveryResponse> responses) {
            streams.add(responses);
            return new StreamObserver<>() {
              @Override
              public void onNext(DiscoveryRequest request) {
                requests.add(request);
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            };
          }
        })
        .build()
        .start();
    port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  String address() {
    return "127.0.0.1:" + port;
  }

  /** Waits for the client's next stream. */
  void awaitStream() throws InterruptedException {
    current = streams.poll(Recorder.WAIT_SECONDS, TimeUnit.SECONDS);
    if (current == null) {
      fail("no stream within " + Recorder.WAIT_SECONDS + " s");
    }
  }

  void send(DiscoveryResponse response) {
    current.onNext(response);
  }

  /** Ends the current stream normally, as a server that rotates its streams does. */
  void endStream() {
    current.onCompleted();
  }

  DiscoveryRequest nextRequest() throws InterruptedException {
    DiscoveryRequest r = requests.poll(Recorder.WAIT_SECONDS, TimeUnit.SECONDS);
    if (r == null) {
      fail("no request within " + Recorder.WAIT_SECONDS + " s");
    }
    return r;
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
