package dev.lbclient;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link HealthCheck} for one load balancer on its {@link Timer}: a round of probes every
 * interval (the first after a random part of it, so that a fleet of clients does not probe in
 * step), started on the timer's worker threads. Probes are asynchronous; their results are applied
 * as they complete. No thread of its own.
 */
final class HealthCheckRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthCheckRunner.class);

  private final String service;
  private final HealthCheck check;
  private final Timer timer;
  private final Supplier<EndpointState[]> states;
  private final Penalties results;
  private Timer.Cancellable next = Timer.Cancellable.NONE;
  private boolean closed;

  HealthCheckRunner(LbConfig config, HealthCheck check, Supplier<EndpointState[]> states,
      Penalties results) {
    this.service = config.serviceName;
    this.check = check;
    this.timer = config.timer;
    this.states = states;
    this.results = results;
  }

  synchronized void start() {
    scheduleNext(ThreadLocalRandom.current().nextLong(check.interval.toNanos()));
  }

  private synchronized void scheduleNext(long delayNanos) {
    if (!closed) {
      next = timer.schedule(() -> timer.execute(this::tick), delayNanos);
    }
  }

  private void tick() {
    try {
      runRound();
    } catch (RuntimeException ex) {
      log.warn("{}: health-check round failed to start", service, ex);
    }
    scheduleNext(check.interval.toNanos());
  }

  /** Probes every current endpoint once; completes when every result has been applied. */
  CompletableFuture<Void> runRound() {
    EndpointState[] current = states.get();
    CompletableFuture<?>[] all = new CompletableFuture<?>[current.length];
    for (int i = 0; i < current.length; i++) {
      EndpointState s = current[i];
      CompletableFuture<Boolean> probe;
      try {
        probe = check.checker.check(s.endpoint()).toCompletableFuture();
      } catch (RuntimeException e) {
        probe = CompletableFuture.failedFuture(e);
      }
      all[i] = probe
          .orTimeout(check.timeout.toNanos(), TimeUnit.NANOSECONDS)
          .handle((healthy, error) -> {
            if (error != null) {
              log.debug("{}: health check of {} failed", service, s.address(), error);
            }
            results.onHealthResult(s, error == null && Boolean.TRUE.equals(healthy), check);
            return null;
          });
    }
    return CompletableFuture.allOf(all);
  }

  @Override
  public synchronized void close() {
    closed = true;
    next.cancel();
  }
}
