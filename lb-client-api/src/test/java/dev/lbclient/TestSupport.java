package dev.lbclient;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/** Shared helpers: endpoint lists, load balancers on a fake ticker, every strategy. */
final class TestSupport {
  private TestSupport() {}

  /** {@code n} endpoints 10.0.x.y:8080 of weight 1, in address order for n <= 250. */
  static Endpoint[] endpoints(int n) {
    Endpoint[] result = new Endpoint[n];
    for (int i = 0; i < n; i++) {
      result[i] = Endpoint.of("10.0." + (i / 250) + "." + (i % 250 + 1), 8080);
    }
    return result;
  }

  /** One endpoint per weight, 10.0.x.y:8080. */
  static Endpoint[] weighted(int... weights) {
    Endpoint[] result = endpoints(weights.length);
    for (int i = 0; i < weights.length; i++) {
      result[i] = result[i].withWeight(weights[i]);
    }
    return result;
  }

  /**
   * A load balancer with a seeded java.util.random.RandomGenerator on the given ticker. Fault handling is off: these tests are
   * about the pickers and the leases, and random failures would eject endpoints and open breakers
   * (fault handling has tests of its own).
   */
  static DefaultLoadBalancer lb(Strategy strategy, long seed, AtomicLong now, Endpoint... eps) {
    return (DefaultLoadBalancer) LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of(eps))
        .strategy(strategy)
        .outlierDetection(OutlierDetection.disabled())
        .noCircuitBreakers()
        .rng(Randoms.seeded(seed))
        .ticker(now::get)
        .build();
  }

  static DefaultLoadBalancer lb(Strategy strategy, long seed, Endpoint... eps) {
    return lb(strategy, seed, new AtomicLong(), eps);
  }

  /** Index of each endpoint in {@code eps}, by address. */
  static Map<String, Integer> indexByAddress(Endpoint... eps) {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < eps.length; i++) {
      index.put(eps[i].address(), i);
    }
    return index;
  }

  /** Counts picks per endpoint over {@code picks} pick-and-cancel cycles. */
  static long[] countPicks(LoadBalancer lb, Endpoint[] eps, int picks) {
    Map<String, Integer> index = indexByAddress(eps);
    long[] counts = new long[eps.length];
    for (int i = 0; i < picks; i++) {
      Pick p = lb.pick();
      counts[index.get(p.endpoint().address())]++;
      p.cancel();
    }
    return counts;
  }

  /** The sequence of endpoint indexes over {@code picks} pick-and-cancel cycles. */
  static int[] sequence(LoadBalancer lb, Endpoint[] eps, int picks) {
    Map<String, Integer> index = indexByAddress(eps);
    int[] seq = new int[picks];
    for (int i = 0; i < picks; i++) {
      Pick p = lb.pick();
      seq[i] = index.get(p.endpoint().address());
      p.cancel();
    }
    return seq;
  }

  /** Pearson's chi-square statistic of observed counts against expected probabilities. */
  static double chiSquare(long[] observed, double[] probabilities) {
    long total = 0;
    for (long o : observed) {
      total += o;
    }
    double chi = 0;
    for (int i = 0; i < observed.length; i++) {
      double expected = total * probabilities[i];
      double d = observed[i] - expected;
      chi += d * d / expected;
    }
    return chi;
  }

  /**
   * Upper critical values of the chi-square distribution at significance 0.001, by degrees of
   * freedom (standard table, e.g. NIST/SEMATECH e-Handbook 1.3.6.7.4). Index 0 is unused.
   */
  private static final double[] CHI_SQUARE_0_001 = {
      Double.NaN, 10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322, 26.124, 27.877, 29.588};

  /** The chi-square critical value at significance 0.001 for these degrees of freedom. */
  static double chiSquareCritical(int degreesOfFreedom) {
    return CHI_SQUARE_0_001[degreesOfFreedom];
  }

  static double[] uniform(int n) {
    double[] p = new double[n];
    java.util.Arrays.fill(p, 1.0 / n);
    return p;
  }

  static double[] proportional(int... weights) {
    double sum = 0;
    for (int w : weights) {
      sum += w;
    }
    double[] p = new double[weights.length];
    for (int i = 0; i < weights.length; i++) {
      p[i] = weights[i] / sum;
    }
    return p;
  }

  /** A picker env with a seeded java.util.random.RandomGenerator, for building pickers directly. */
  static PickerEnv env(long seed) {
    return new PickerEnv(Randoms.seeded(seed), new LongAdder());
  }

  /** Fresh states for these endpoints, with the default 10 s decay. */
  static EndpointState[] states(Endpoint... eps) {
    EndpointState[] states = new EndpointState[eps.length];
    for (int i = 0; i < eps.length; i++) {
      states[i] = new EndpointState(eps[i], 10_000.0);
    }
    return states;
  }

  /** Every strategy the API offers, for parameterized fixtures. */
  static Stream<Strategy> allStrategies() {
    return Stream.of(
        Strategy.roundRobin(),
        Strategy.weightedRoundRobin(),
        Strategy.leastConnections(),
        Strategy.leastTime(),
        Strategy.powerOfTwoChoices(),
        Strategy.powerOfTwoChoices(Strategy.Load.IN_FLIGHT),
        Strategy.consistentHash(),
        Strategy.consistentHashWithBoundedLoad(1.25),
        Strategy.ipHash(),
        Strategy.random());
  }

  /** Records what a source delivers. Not thread-safe beyond the source's one-at-a-time rule. */
  static final class RecordingListener implements EndpointSource.Listener {
    final List<List<Endpoint>> snapshots = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void onEndpoints(List<Endpoint> endpoints) {
      snapshots.add(endpoints);
    }

    @Override
    public void onError(String description, Throwable cause) {
      errors.add(description);
    }
  }

  /** Joins every thread within the timeout, failing the test for any that is still running. */
  /**
   * Waits until every event queued so far has been delivered: a listener added now is replayed
   * the current state after them (the queue is FIFO), so its onInit marks the point.
   */
  static void awaitEvents(LoadBalancer lb) {
    java.util.concurrent.CompletableFuture<Void> reached = new java.util.concurrent.CompletableFuture<>();
    LoadBalancerListener.Registration r = lb.addListener(new LoadBalancerListener() {
      @Override
      public void onInit(LoadBalancer loadBalancer) {
        reached.complete(null);
      }
    });
    try {
      reached.get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("events not delivered within 30 s", e);
    } finally {
      r.close();
    }
  }

  static void joinAll(java.time.Duration timeout, Thread... threads) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread t : threads) {
      t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (t.isAlive()) {
        for (Thread other : threads) {
          other.interrupt();
        }
        throw new AssertionError(t.getName() + " did not finish within " + timeout);
      }
    }
  }

  static List<Endpoint> list(Endpoint... eps) {
    return new ArrayList<>(List.of(eps));
  }
}
