package dev.lbclient.grpc;

import static org.assertj.core.api.Assertions.fail;

import dev.lbclient.EndpointStats;
import dev.lbclient.LoadBalancer;
import dev.lbclient.Ticker;
import io.grpc.ManagedChannel;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Shared helpers: a fake ticker, bounded waits, one-line calls. */
final class TestSupport {
  static final SimpleRequest REQUEST = SimpleRequest.newBuilder().setRequestMessage("hi").build();

  private TestSupport() {}

  /** A ticker that moves only when told to. */
  static final class FakeTicker implements Ticker {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long read() {
      return nanos.get();
    }

    void advance(Duration d) {
      nanos.addAndGet(d.toNanos());
    }
  }

  /** A blocking stub whose every call is bounded by a 10 second deadline. */
  static SimpleServiceGrpc.SimpleServiceBlockingStub stub(ManagedChannel channel) {
    return SimpleServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** The backend name that answered one call. */
  static String call(ManagedChannel channel) {
    return stub(channel).unaryRpc(REQUEST).getResponseMessage();
  }

  static int inFlight(LoadBalancer lb) {
    return lb.stats().stream().mapToInt(EndpointStats::inFlight).sum();
  }

  static long successes(LoadBalancer lb) {
    return lb.stats().stream().mapToLong(EndpointStats::successes).sum();
  }

  static long failures(LoadBalancer lb) {
    return lb.stats().stream().mapToLong(EndpointStats::failures).sum();
  }

  /**
   * Polls an asynchronous outcome (a stream closed on a transport thread) for at most 10
   * seconds; fails with {@code what} otherwise.
   */
  static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out after 10 s waiting for " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
    }
  }

  static void shutdown(ManagedChannel channel) throws InterruptedException {
    channel.shutdownNow();
    if (!channel.awaitTermination(10, TimeUnit.SECONDS)) {
      fail("channel did not terminate within 10 s");
    }
  }
}
