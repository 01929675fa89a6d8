package dev.lbclient.overhead;

import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.Strategy;
import dev.lbclient.grpc.GrpcLoadBalancing;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Netty gRPC servers on 127.0.0.1 answering {@code SimpleService/UnaryRpc} at once, and three
 * channels, each with gRPC's default executor and plaintext:
 *
 * <ul>
 *   <li>{@code plain}: {@code forAddress} the first server, gRPC's default {@code pick_first};
 *   <li>{@code round_robin}: every server through the {@code lbclient-static} resolver (a fixed
 *       address list) with {@code defaultLoadBalancingPolicy("round_robin")};
 *   <li>{@code lbclient}: {@link GrpcLoadBalancing#channelFor} a load balancer over the same
 *       servers, so each call is picked by the library and its outcome reported back.
 * </ul>
 */
final class GrpcSide implements AutoCloseable {
  static final String SERVICE = "backends";
  private static final SimpleRequest REQUEST = SimpleRequest.newBuilder().build();
  private static final SimpleResponse RESPONSE =
      SimpleResponse.newBuilder().setResponseMessage("ok").build();

  private final List<Server> servers = new ArrayList<>();
  private final Strategy strategy;

  GrpcSide(int count, Strategy strategy) throws IOException {
    this.strategy = strategy;
    try {
      for (int i = 0; i < count; i++) {
        servers.add(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .directExecutor()
            .addService(new SimpleServiceGrpc.SimpleServiceImplBase() {
              @Override
              public void unaryRpc(SimpleRequest request,
                  StreamObserver<SimpleResponse> responses) {
                responses.onNext(RESPONSE);
                responses.onCompleted();
              }
            })
            .build()
            .start());
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  List<String> addresses() {
    return servers.stream().map(s -> "127.0.0.1:" + s.getPort()).collect(Collectors.toList());
  }

  Subject open(String target) {
    switch (target) {
      case Overhead.PLAIN:
        return calls(ManagedChannelBuilder.forAddress("127.0.0.1", servers.get(0).getPort())
            .usePlaintext().build(), null);
      case Overhead.ROUND_ROBIN:
        return calls(ManagedChannelBuilder
            .forTarget(GrpcLoadBalancing.STATIC_SCHEME + ":///" + String.join(",", addresses()))
            .defaultLoadBalancingPolicy("round_robin")
            .usePlaintext().build(), null);
      case Overhead.LBCLIENT:
        LoadBalancer lb = LoadBalancer.builder(SERVICE)
            .endpoints(EndpointSource.of(addresses().toArray(new String[0])))
            .strategy(strategy)
            .build();
        return calls(GrpcLoadBalancing.channelFor(lb).usePlaintext().build(), lb);
      default:
        throw new IllegalArgumentException("grpc target: " + target + " (expected one of "
            + List.of(Overhead.PLAIN, Overhead.ROUND_ROBIN, Overhead.LBCLIENT) + ")");
    }
  }

  private static Subject calls(ManagedChannel channel, @Nullable LoadBalancer lb) {
    SimpleServiceGrpc.SimpleServiceBlockingStub stub = SimpleServiceGrpc.newBlockingStub(channel);
    return new Subject() {
      @Override
      public void call() {
        stub.withDeadlineAfter(10, TimeUnit.SECONDS).unaryRpc(REQUEST);
      }

      @Override
      public void close() {
        channel.shutdownNow();
        try {
          channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        if (lb != null) {
          lb.close(); // after the channel, as the README asks
        }
      }
    };
  }

  @Override
  public void close() {
    for (Server s : servers) {
      s.shutdownNow();
    }
    for (Server s : servers) {
      try {
        s.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
