package dev.lbclient;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Plain round robin over one atomic counter. */
final class RoundRobinStrategy extends StrategyImpl {
  static final RoundRobinStrategy INSTANCE = new RoundRobinStrategy();

  @Override
  public String name() {
    return "roundRobin";
  }

  @Override
  boolean honorsWeights() {
    return false;
  }

  /**
   * Configured weights are ignored (they arrive as all 1); they differ only while slow start
   * ramps an endpoint up, and then the weighted picker interleaves by the ramped shares.
   */
  @Override
  Picker newPicker(EndpointState[] states, int[] weights, PickerEnv env) {
    if (!allEqual(weights)) {
      return WeightedRoundRobinStrategy.INSTANCE.newPicker(states, weights, env);
    }
    return new RoundRobinPicker(states, env.rng.nextInt(states.length));
  }

  /**
   * The counter is a {@code long}: at a billion picks a second it overflows after 292 years, so
   * {@code floorMod} never sees the sign flip that an {@code int} counter hits after 2^31 picks.
   */
  static final class RoundRobinPicker extends Picker {
    private static final VarHandle NEXT;

    static {
      try {
        NEXT = MethodHandles.lookup().findVarHandle(RoundRobinPicker.class, "next", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    private volatile long next;

    RoundRobinPicker(EndpointState[] states, long start) {
      super(states);
      this.next = start;
    }

    @Override
    EndpointState pick(RequestContext context, long nowNanos) {
      long n = (long) NEXT.getAndAdd(this, 1L);
      return states[(int) Math.floorMod(n, (long) states.length)];
    }
  }
}
