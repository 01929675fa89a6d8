package dev.lbclient;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** TCP connect probe on an {@link AsynchronousSocketChannel}; no thread waits on it. */
final class TcpHealthChecker implements HealthChecker {
  static final TcpHealthChecker INSTANCE = new TcpHealthChecker();

  @Override
  public CompletionStage<Boolean> check(Endpoint endpoint) {
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    AsynchronousSocketChannel channel;
    try {
      channel = AsynchronousSocketChannel.open();
    } catch (IOException e) {
      result.completeExceptionally(e);
      return result;
    }
    // Closing on any completion (timeout included: the runner cancels the future) frees the socket.
    result.whenComplete((ok, error) -> closeQuietly(channel));
    try {
      channel.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), null,
          new CompletionHandler<Void, Void>() {
            @Override
            public void completed(Void v, Void attachment) {
              result.complete(true);
            }

            @Override
            public void failed(Throwable error, Void attachment) {
              result.completeExceptionally(error);
            }
          });
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
    }
    return result;
  }

  private static void closeQuietly(AsynchronousSocketChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Nothing to do: the probe is over.
    }
  }

  @Override
  public String toString() {
    return "tcp";
  }
}
