package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many threads picking and completing at once. Every loop is bounded by a count and every thread
 * is joined with a timeout; nothing here depends on how fast the machine is.
 */
class ConcurrencyTest {
  private static final Duration TIMEOUT = Duration.ofMinutes(2);
  private static final RuntimeException BOOM = new RuntimeException("boom");

  static Stream<Strategy> strategies() {
    return TestSupport.allStrategies();
  }

  private static RequestContext context(int i) {
    switch (i & 3) {
      case 1:
        return RequestContext.withKey("user-" + (i & 255));
      case 2:
        return RequestContext.withClientAddress("203.0.113." + (i & 255));
      default:
        return RequestContext.none();
    }
  }

  /** Runs {@code body} on {@code threads} threads started together; rethrows the first error. */
  private static void runThreads(int threads, ThrowingRunnable body) throws Exception {
    CyclicBarrier start = new CyclicBarrier(threads);
    AtomicReference<Throwable> error = new AtomicReference<>();
    Thread[] workers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      workers[t] = new Thread(() -> {
        try {
          start.await();
          body.run();
        } catch (Throwable e) {
          error.compareAndSet(null, e);
        }
      }, "worker-" + t);
      workers[t].start();
    }
    TestSupport.joinAll(TIMEOUT, workers);
    if (error.get() != null) {
      throw new AssertionError("a worker failed", error.get());
    }
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void inFlight_zeroAfterConcurrentCycles(Strategy strategy) throws Exception {
    int threads = 8;
    int cycles = 100_000;
    AtomicLong now = new AtomicLong();
    Endpoint[] eps = TestSupport.weighted(1, 2, 3, 1, 5, 1, 2, 1, 1, 4);
    DefaultLoadBalancer lb = (DefaultLoadBalancer) LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(eps))
        .strategy(strategy)
        .ticker(() -> now.addAndGet(1_000))
        .outlierDetection(OutlierDetection.disabled()) // random failures must not eject: this
        .noCircuitBreakers()                           // test is about in-flight accounting
        .build();
    Set<Endpoint> pool = Set.of(eps);
    Queue<Pick> handOff = new ConcurrentLinkedQueue<>();
    LongAdder successes = new LongAdder();
    LongAdder failures = new LongAdder();

    runThreads(threads, () -> {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      for (int i = 0; i < cycles; i++) {
        Pick p = lb.pick(context(i));
        if (!pool.contains(p.endpoint())) {
          throw new AssertionError("not in the pool: " + p.endpoint());
        }
        if (random.nextBoolean()) {
          complete(p, random.nextInt(3), successes, failures);
        } else {
          // Complete a lease picked by any thread, possibly another one.
          handOff.add(p);
          Pick other = handOff.poll();
          if (other != null) {
            complete(other, random.nextInt(3), successes, failures);
          }
        }
      }
    });
    for (Pick p; (p = handOff.poll()) != null; ) {
      complete(p, 0, successes, failures);
    }

    long recordedSuccesses = 0;
    long recordedFailures = 0;
    for (EndpointState s : lb.states()) {
      assertThat(s.inFlight()).as(s.toString()).isZero();
      recordedSuccesses += s.successes();
      recordedFailures += s.failures();
    }
    assertThat(recordedSuccesses).isEqualTo(successes.sum());
    assertThat(recordedFailures).isEqualTo(failures.sum());
    assertThat(successes.sum() + failures.sum()).isPositive()
        .isLessThanOrEqualTo((long) threads * cycles);
  }

  /** Completes a lease as success (0), failure (1) or cancel (2), then closes it again. */
  private static void complete(Pick p, int outcome, LongAdder successes, LongAdder failures) {
    switch (outcome) {
      case 0:
        p.success();
        successes.increment();
        break;
      case 1:
        p.failure(BOOM);
        failures.increment();
        break;
      default:
        p.cancel();
    }
    p.close();
    p.success();
  }

  /**
   * Snapshot v (v = 1, 2, ...) holds three endpoints on port 1000 + v, so a picked endpoint names
   * the snapshot it came from. {@code publish} writes the version, then the picker: a pick between
   * reading version b and version a must come from a snapshot in [b - 1, a].
   */
  @ParameterizedTest
  @MethodSource("strategies")
  void pick_seesOnlyPublishedSnapshots(Strategy strategy) throws Exception {
    // Maglev builds a 65537-slot table per snapshot; the others are cheap to rebuild.
    int snapshots = strategy instanceof MaglevStrategy ? 300 : 5_000;
    int readers = 3;
    int maxPicksPerReader = 2_000_000;
    MutableEndpointSource source = EndpointSource.mutable(snapshot(1));
    DefaultLoadBalancer lb = (DefaultLoadBalancer) LoadBalancer.builder("orders")
        .endpoints(source)
        .strategy(strategy)
        .build();
    assertThat(lb.version()).isEqualTo(1);
    AtomicBoolean writerDone = new AtomicBoolean();
    AtomicReference<String> violation = new AtomicReference<>();
    LongAdder picks = new LongAdder();
    CyclicBarrier start = new CyclicBarrier(readers + 1);

    Thread writer = new Thread(() -> {
      try {
        start.await();
        for (int v = 2; v <= snapshots + 1; v++) {
          source.set(snapshot(v));
        }
      } catch (Exception e) {
        violation.compareAndSet(null, "writer failed: " + e);
      } finally {
        writerDone.set(true);
      }
    }, "writer");
    List<Thread> threads = new ArrayList<>(List.of(writer));
    for (int r = 0; r < readers; r++) {
      threads.add(new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < maxPicksPerReader && !writerDone.get(); i++) {
            long before = lb.version();
            Pick p = lb.pick(context(i));
            Endpoint e = p.endpoint();
            p.cancel();
            long after = lb.version();
            long v = e.port() - 1000;
            if (v < before - 1 || v > after || !e.host().startsWith("10.0.0.")) {
              violation.compareAndSet(null,
                  e + " from snapshot " + v + " picked between versions " + before + " and "
                      + after);
            }
            picks.increment();
          }
        } catch (Exception e) {
          violation.compareAndSet(null, "reader failed: " + e);
        }
      }, "reader-" + r));
    }
    threads.forEach(Thread::start);
    TestSupport.joinAll(TIMEOUT, threads.toArray(new Thread[0]));

    assertThat(violation.get()).isNull();
    assertThat(picks.sum()).isPositive();
    assertThat(lb.version()).isEqualTo(snapshots + 1);
    assertThat(lb.endpoints()).containsExactly(snapshot(snapshots + 1));
  }

  private static Endpoint[] snapshot(int version) {
    int port = 1000 + version;
    return new Endpoint[] {
        Endpoint.of("10.0.0.1", port),
        Endpoint.of("10.0.0.2", port).withWeight(2),
        Endpoint.of("10.0.0.3", port).withWeight(3)};
  }

  @ParameterizedTest
  @MethodSource("strategies")
  void close_racingWithPicks(Strategy strategy) throws Exception {
    Endpoint[] eps = TestSupport.endpoints(4);
    DefaultLoadBalancer lb = (DefaultLoadBalancer) LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(eps))
        .strategy(strategy)
        .build();
    Set<Endpoint> pool = Set.of(eps);
    AtomicLong closedSeen = new AtomicLong();

    runThreads(3, () -> {
      for (int i = 0; i < 50_000; i++) {
        if (i == 1_000 && Thread.currentThread().getName().equals("worker-0")) {
          lb.close();
        }
        try (Pick p = lb.pick(context(i))) {
          if (!pool.contains(p.endpoint())) {
            throw new AssertionError("not in the pool: " + p.endpoint());
          }
          p.success();
        } catch (IllegalStateException e) {
          if (!e.getMessage().equals("load balancer for orders is closed")) {
            throw e;
          }
          closedSeen.incrementAndGet();
        }
      }
    });

    assertThat(closedSeen.get()).isPositive();
    assertThat(lb.states()).extracting(EndpointState::inFlight).containsOnly(0);
  }
}
