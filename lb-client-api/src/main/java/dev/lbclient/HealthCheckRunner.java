package dev.lbclient;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link HealthCheck} for one load balancer: one daemon thread that starts a round of
 * probes every interval (the first after a random part of it, so that a fleet of clients does not
 * probe in step). Probes are asynchronous; their results are applied as they complete.
 */
final class HealthCheckRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthCheckRunner.class);

  private final DefaultLoadBalancer lb;
  private final HealthCheck check;
  private final boolean scheduled;
  private volatile ScheduledExecutorService executor;
  private volatile Thread thread;

  HealthCheckRunner(DefaultLoadBalancer lb, HealthCheck check, boolean scheduled) {
    this.lb = lb;
    this.check = check;
    this.scheduled = scheduled;
  }

  void start() {
    if (!scheduled) {
      return;
    }
    ScheduledExecutorService e = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "lb-client-health-" + lb.serviceName());
      t.setDaemon(true);
      thread = t;
      return t;
    });
    executor = e;
    long interval = check.interval.toNanos();
    e.scheduleWithFixedDelay(() -> {
      try {
        runRound();
      } catch (RuntimeException ex) {
        log.warn("{}: health-check round failed to start", lb.serviceName(), ex);
      }
    }, ThreadLocalRandom.current().nextLong(interval), interval, TimeUnit.NANOSECONDS);
  }

  /** Probes every current endpoint once; completes when every result has been applied. */
  CompletableFuture<Void> runRound() {
    EndpointState[] states = lb.states();
    CompletableFuture<?>[] results = new CompletableFuture<?>[states.length];
    for (int i = 0; i < states.length; i++) {
      EndpointState s = states[i];
      CompletableFuture<Boolean> probe;
      try {
        probe = check.checker.check(s.endpoint()).toCompletableFuture();
      } catch (RuntimeException e) {
        probe = CompletableFuture.failedFuture(e);
      }
      results[i] = probe
          .orTimeout(check.timeout.toNanos(), TimeUnit.NANOSECONDS)
          .handle((healthy, error) -> {
            if (error != null) {
              log.debug("{}: health check of {} failed", lb.serviceName(), s.address(), error);
            }
            lb.onHealthResult(s, error == null && Boolean.TRUE.equals(healthy), check);
            return null;
          });
    }
    return CompletableFuture.allOf(results);
  }

  private static boolean join(Thread t) throws InterruptedException {
    t.join(TimeUnit.SECONDS.toMillis(5));
    return !t.isAlive();
  }

  @Override
  public void close() {
    ScheduledExecutorService e = executor;
    if (e != null) {
      e.shutdownNow();
      try {
        Thread t = thread;
        if (!e.awaitTermination(5, TimeUnit.SECONDS) || (t != null && !join(t))) {
          log.warn("{}: health-check thread did not stop within 5 s", lb.serviceName());
        }
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
