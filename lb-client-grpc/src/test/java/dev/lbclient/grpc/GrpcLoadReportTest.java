package dev.lbclient.grpc;

import static dev.lbclient.grpc.TestSupport.call;
import static dev.lbclient.grpc.TestSupport.shutdown;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.Strategy;
import io.grpc.ForwardingServerCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ORCA per-call reports in gRPC trailers, binary and text, weighing real loopback servers. */
class GrpcLoadReportTest {
  private final List<Server> servers = new ArrayList<>();
  private LoadBalancer lb;
  private ManagedChannel channel;

  @AfterEach
  void stopAll() throws InterruptedException {
    if (channel != null) {
      shutdown(channel);
    }
    if (lb != null) {
      lb.close();
    }
    for (Server s : servers) {
      s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** A server answering with its name, adding {@code trailer} to every response's trailers. */
  private Endpoint server(String name, Consumer<Metadata> trailer) throws Exception {
    ServerInterceptor addTrailer = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            trailer.accept(trailers);
            super.close(status, trailers);
          }
        }, headers);
      }
    };
    Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .directExecutor()
        .addService(ServerInterceptors.intercept(new SimpleServiceGrpc.SimpleServiceImplBase() {
          @Override
          public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> out) {
            out.onNext(SimpleResponse.newBuilder().setResponseMessage(name).build());
            out.onCompleted();
          }
        }, addTrailer))
        .build().start();
    servers.add(s);
    return Endpoint.of("127.0.0.1", s.getPort());
  }

  @Test
  void trailers_binaryAndText_weighTheServers() throws Exception {
    // cpu_utilization 0.8, rps_fractional 100: weight 125, as grpc-java's ORCA interceptor sends
    byte[] busyReport = Base64.getDecoder().decode("CZqZmZmZmek/MQAAAAAAAFlA");
    Endpoint light = server("light", t -> t.put(ServerLoad.TEXT,
        "TEXT cpu_utilization=0.2, rps_fractional=100")); // weight 500
    Endpoint busy = server("busy", t -> t.put(ServerLoad.BINARY, busyReport));
    TestSupport.FakeTicker ticker = new TestSupport.FakeTicker();
    lb = LoadBalancer.builder("reports").endpoints(EndpointSource.of(light, busy))
        .strategy(Strategy.weightedByLoadReports()).ticker(ticker).build();
    channel = GrpcLoadBalancing.channelFor(lb).usePlaintext().build();

    int lightBefore = 0;
    for (int i = 0; i < 20; i++) {
      lightBefore += call(channel).equals("light") ? 1 : 0;
    }
    ticker.advance(Duration.ofSeconds(10)); // past the blackout
    int lightAfter = 0;
    for (int i = 0; i < 100; i++) {
      lightAfter += call(channel).equals("light") ? 1 : 0;
    }

    assertThat(lightBefore).as("round robin during the blackout").isBetween(8, 12);
    assertThat(lightAfter).as("4 to 1 after it").isBetween(76, 84);
  }
}
