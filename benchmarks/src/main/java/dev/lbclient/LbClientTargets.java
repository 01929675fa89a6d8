package dev.lbclient;

import dev.lbclient.bench.PickTarget;
import dev.lbclient.bench.Workload;
import java.util.concurrent.atomic.LongAdder;

/**
 * Our side of the benchmark: pickers alone and full leases through a real {@link LoadBalancer}.
 * Lives in {@code dev.lbclient} (a split package inside the benchmark jar) to reach the
 * package-private pickers.
 */
public final class LbClientTargets {
  /** The clock reading handed to pickers measured alone; the lease reads the real ticker. */
  static final long PICKER_NOW = 1_000_000_000_000L;

  private LbClientTargets() {}

  /** The strategy with this name, or a benchmark-only prototype ({@code proto.*}). */
  public static Strategy strategy(String name) {
    return "roundRobinThreadLocal".equals(name)
        ? PrototypeStrategies.THREAD_LOCAL_ROUND_ROBIN : Strategy.parse(name);
  }

  /**
   * The picker alone, as peers' pickers are measured: no ticker read (a fixed clock reading is
   * passed), no in-flight or outcome tracking. The endpoint states are seeded with a spread of
   * in-flight counts (0..3) and latency samples (1..20 ms) so that the least-loaded strategies
   * compare real, mostly different loads rather than a pool of zeros.
   */
  public static PickTarget picker(String strategyName, Workload w) {
    StrategyImpl strategy = (StrategyImpl) strategy(strategyName);
    EndpointState[] states = seededStates(w);
    Picker picker = strategy.newPicker(states, new PickerEnv(Randoms.threadLocal(), new LongAdder()));
    return new PickerTarget(picker, contexts(strategyName, w));
  }

  /**
   * The full lease: {@code lb.pick(ctx)} then {@code pick.success()} through a real load balancer
   * with the system ticker and the default configuration (per-endpoint circuit breakers, outlier
   * detection); a name ending in {@link #NO_BREAKERS} leaves the breakers out. Returns the lease, which therefore escapes, as it does in real use
   * where it is held across the call.
   */
  public static PickTarget lease(String strategyName, Workload w) {
    boolean noBreakers = strategyName.endsWith(NO_BREAKERS);
    String name = noBreakers
        ? strategyName.substring(0, strategyName.length() - NO_BREAKERS.length())
        : strategyName;
    LoadBalancer.Builder builder = LoadBalancer.builder("bench")
        .endpoints(EndpointSource.of(endpoints(w)))
        .strategy(strategy(name));
    if (noBreakers) {
      builder.noCircuitBreakers();
    }
    return new LeaseTarget(builder.build(), contexts(name, w));
  }

  /**
   * Suffix of a lease target built with {@code noCircuitBreakers()}: the default keeps one
   * Resilience4j breaker per endpoint, asked for a permit at each pick and told each outcome.
   */
  public static final String NO_BREAKERS = ".noBreakers";

  static Endpoint[] endpoints(Workload w) {
    Endpoint[] endpoints = new Endpoint[w.size()];
    for (int i = 0; i < endpoints.length; i++) {
      endpoints[i] = Endpoint.of(w.host(i), Workload.PORT).withWeight(w.weight(i));
    }
    return endpoints;
  }

  static EndpointState[] seededStates(Workload w) {
    Endpoint[] endpoints = endpoints(w);
    EndpointState[] states = new EndpointState[endpoints.length];
    for (int i = 0; i < states.length; i++) {
      states[i] = new EndpointState(endpoints[i], 10_000.0);
      long h = Hashing.mix(i + 1);
      int inFlight = (int) (h & 3);
      long latencyNanos = (1 + Long.remainderUnsigned(h >>> 2, 20)) * 1_000_000L;
      states[i].recordSuccess(latencyNanos, PICKER_NOW - 1_000_000L);
      for (int k = 0; k < inFlight; k++) {
        states[i].acquire(0L);
      }
    }
    return states;
  }

  /** Per-op request contexts: keys for consistentHash, client addresses for ipHash, else none. */
  static RequestContext[] contexts(String strategyName, Workload w) {
    RequestContext[] contexts = new RequestContext[Workload.KEYS];
    String[] keys = w.keys();
    String[] clients = w.clientAddresses();
    for (int k = 0; k < contexts.length; k++) {
      if (strategyName.startsWith("consistentHash")) {
        contexts[k] = RequestContext.withKey(keys[k]);
      } else if (strategyName.equals("ipHash")) {
        contexts[k] = RequestContext.withClientAddress(clients[k]);
      } else {
        contexts[k] = RequestContext.none();
      }
    }
    return contexts;
  }

  private static final class PickerTarget implements PickTarget {
    private final Picker picker;
    private final RequestContext[] contexts;

    PickerTarget(Picker picker, RequestContext[] contexts) {
      this.picker = picker;
      this.contexts = contexts;
    }

    @Override
    public Object pick(int seq) {
      return picker.pick(contexts[seq & Workload.KEY_MASK], PICKER_NOW);
    }
  }

  private static final class LeaseTarget implements PickTarget {
    private final LoadBalancer lb;
    private final RequestContext[] contexts;

    LeaseTarget(LoadBalancer lb, RequestContext[] contexts) {
      this.lb = lb;
      this.contexts = contexts;
    }

    @Override
    public Object pick(int seq) {
      Pick pick = lb.pick(contexts[seq & Workload.KEY_MASK]);
      pick.success();
      return pick;
    }

    @Override
    public void close() {
      lb.close();
    }
  }
}
