package dev.lbclient;

/**
 * The one door the tail-latency lab ({@code dev.lbclient.lab}) needs into package-private API: a
 * seeded {@link java.util.random.RandomGenerator} for {@link LoadBalancer.Builder}, so that a simulation replays the same picks
 * from the same seed. Lives in the benchmarks module, never in the library.
 */
public final class LabAccess {
  private LabAccess() {}

  /** Gives the load balancer built by {@code builder} a reproducible random generator. */
  public static LoadBalancer.Builder seededRng(LoadBalancer.Builder builder, long seed) {
    return builder.rng(Randoms.seeded(seed));
  }

  /** Where the lab runs a load balancer's timed changes: on its own virtual-time event queue. */
  public interface LabTimer {
    /** Runs {@code task} {@code delayNanos} from now on virtual time; returns its canceller. */
    Runnable schedule(long delayNanos, Runnable task);
  }

  /**
   * Runs the timed changes of the load balancer built by {@code builder} (an ejection ending, a
   * breaker's wait ending, a slow-start step) on {@code timer}, and delivers its events at once on
   * the thread that caused them, so a simulation stays deterministic on virtual time.
   */
  public static LoadBalancer.Builder timer(LoadBalancer.Builder builder, LabTimer timer) {
    return builder.timer(new Timer() {
      @Override
      public Cancellable schedule(Runnable task, long delayNanos) {
        Runnable cancel = timer.schedule(delayNanos, task);
        return cancel::run;
      }

      @Override
      public void execute(Runnable task) {
        task.run();
      }
    });
  }

  /**
   * How many pickers {@code lb} has published so far (one per endpoint list, ejection, breaker
   * transition, slow-start step...): how often the strategy rebuilt its picker.
   */
  public static long pickersBuilt(LoadBalancer lb) {
    return ((DefaultLoadBalancer) lb).version();
  }
}
