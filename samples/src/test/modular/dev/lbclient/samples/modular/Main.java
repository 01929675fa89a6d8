package dev.lbclient.samples.modular;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;

import com.sun.net.httpserver.HttpServer;
import dev.lbclient.EndpointSource;
import dev.lbclient.LoadBalancer;
import dev.lbclient.Pick;
import dev.lbclient.Strategy;
import dev.lbclient.grpc.GrpcLoadBalancing;
import dev.lbclient.okhttp.LoadBalancingInterceptor;
import io.grpc.CallOptions;
import io.grpc.LoadBalancerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.TreeSet;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/** Prints one line per way of using lb-client; ModulePathTest runs it on the module path. */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    selector();
    okHttp();
    grpc();
  }

  private static void selector() {
    try (LoadBalancer lb = LoadBalancer.builder("selector")
        .endpoints(EndpointSource.of("127.0.0.1:1", "127.0.0.1:2"))
        .strategy(Strategy.roundRobin())
        .build()) {
      Set<String> seen = new TreeSet<>();
      for (int i = 0; i < 4; i++) {
        Pick pick = lb.pick();
        seen.add(pick.endpoint().address());
        pick.success();
      }
      System.out.println("selector " + seen + " module=" + LoadBalancer.class.getModule().getName());
    }
  }

  private static void okHttp() throws IOException {
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/", exchange -> {
      byte[] body = "hello".getBytes(UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    http.start();
    try (LoadBalancer lb = LoadBalancer.builder("web")
        .endpoints(EndpointSource.of("127.0.0.1:" + http.getAddress().getPort()))
        .build()) {
      OkHttpClient client = new OkHttpClient.Builder()
          .addInterceptor(LoadBalancingInterceptor.builder().service("web", lb).build())
          .build();
      try (Response response = client.newCall(new Request.Builder().url("http://web/hi").build())
          .execute()) {
        System.out.println("okhttp " + response.code() + " " + response.body().string()
            + " module=" + LoadBalancingInterceptor.class.getModule().getName());
      }
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    } finally {
      http.stop(0);
    }
  }

  private static final MethodDescriptor.Marshaller<String> STRINGS =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(stream.readAllBytes(), UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private static void grpc() throws Exception {
    MethodDescriptor<String, String> say = MethodDescriptor.<String, String>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("demo.Echo/Say")
        .setRequestMarshaller(STRINGS)
        .setResponseMarshaller(STRINGS)
        .build();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerServiceDefinition.builder("demo.Echo")
            .addMethod(say, ServerCalls.asyncUnaryCall((request, reply) -> {
              reply.onNext("echo " + request);
              reply.onCompleted();
            }))
            .build())
        .build()
        .start();
    try (LoadBalancer lb = LoadBalancer.builder("echo")
        .endpoints(EndpointSource.of("127.0.0.1:" + server.getPort()))
        .build()) {
      ManagedChannel channel = GrpcLoadBalancing.channelFor(lb).usePlaintext().build();
      try {
        String reply = ClientCalls.blockingUnaryCall(channel, say,
            CallOptions.DEFAULT.withDeadlineAfter(30, SECONDS), "hi");
        String policyModule = LoadBalancerRegistry.getDefaultRegistry()
            .getProvider(GrpcLoadBalancing.POLICY_NAME).getClass().getModule().getName();
        System.out.println("grpc " + reply + " policy=" + policyModule
            + " successes=" + lb.stats().get(0).successes());
      } finally {
        channel.shutdownNow().awaitTermination(10, SECONDS);
      }
    } finally {
      server.shutdownNow().awaitTermination(10, SECONDS);
    }
  }
}
