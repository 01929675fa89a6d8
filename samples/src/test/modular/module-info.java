/** A program that uses lb-client from the module path: the selector API, OkHttp and gRPC. */
module dev.lbclient.samples.modular {
  requires dev.lbclient.okhttp;
  requires dev.lbclient.grpc;
  requires io.grpc.stub;
  requires io.grpc.netty.shaded;
  requires jdk.httpserver;
}
