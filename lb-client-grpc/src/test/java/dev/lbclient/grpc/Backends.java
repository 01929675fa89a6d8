package dev.lbclient.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/** gRPC servers on 127.0.0.1 ephemeral ports, each counting the calls it receives. */
final class Backends implements AutoCloseable {
  enum Mode { OK, UNAVAILABLE, HANG }

  private final List<Backend> backends = new ArrayList<>();

  static Backends start(int count) {
    Backends b = new Backends();
    for (int i = 0; i < count; i++) {
      b.backends.add(new Backend("backend-" + i));
    }
    return b;
  }

  Backend get(int i) {
    return backends.get(i);
  }

  int size() {
    return backends.size();
  }

  List<Endpoint> endpoints() {
    return backends.stream().map(Backend::endpoint).collect(Collectors.toList());
  }

  /** {@code lbclient-static:///127.0.0.1:p1,127.0.0.1:p2,...}. */
  String staticTarget() {
    return "lbclient-static:///" + backends.stream().map(b -> b.endpoint().toString())
        .collect(Collectors.joining(","));
  }

  int[] counts() {
    return backends.stream().mapToInt(b -> b.calls.get()).toArray();
  }

  int total() {
    return backends.stream().mapToInt(b -> b.calls.get()).sum();
  }

  void resetCounts() {
    backends.forEach(b -> b.calls.set(0));
  }

  /** Calls until every backend has served one (so every subchannel is READY), then resets. */
  void warmUp(Runnable call) {
    for (int i = 0; i < 1000 && backends.stream().anyMatch(b -> b.calls.get() == 0); i++) {
      call.run();
    }
    assertThat(counts()).as("every backend reached during warm-up").doesNotContain(0);
    resetCounts();
  }

  @Override
  public void close() {
    for (Backend b : backends) {
      b.stop();
    }
  }

  static final class Backend {
    final String name;
    final AtomicInteger calls = new AtomicInteger();
    final ConcurrentLinkedQueue<StreamObserver<SimpleResponse>> hung =
        new ConcurrentLinkedQueue<>();
    volatile Mode mode = Mode.OK;
    private final Server server;

    Backend(String name) {
      this.name = name;
      try {
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .directExecutor()
            .addService(new SimpleServiceGrpc.SimpleServiceImplBase() {
              @Override
              public void unaryRpc(SimpleRequest request,
                  StreamObserver<SimpleResponse> responses) {
                calls.incrementAndGet();
                switch (mode) {
                  case OK:
                    responses.onNext(SimpleResponse.newBuilder().setResponseMessage(name).build());
                    responses.onCompleted();
                    break;
                  case UNAVAILABLE:
                    responses.onError(Status.UNAVAILABLE.withDescription(name + " is unavailable")
                        .asRuntimeException());
                    break;
                  default:
                    hung.add(responses); // never answers
                    break;
                }
              }
            })
            .build()
            .start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    Endpoint endpoint() {
      return Endpoint.of("127.0.0.1", server.getPort());
    }

    int calls() {
      return calls.get();
    }

    void stop() {
      server.shutdownNow();
      try {
        assertThat(server.awaitTermination(10, TimeUnit.SECONDS)).as(name + " stopped").isTrue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while stopping " + name, e);
      }
    }
  }
}
