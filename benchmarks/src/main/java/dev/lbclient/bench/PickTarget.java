package dev.lbclient.bench;

/**
 * One implementation under test behind the single call that {@link PickBenchmark} measures: our
 * pickers, our full lease, the floors and each peer library through one small adapter.
 *
 * <p>Implementations are thread-safe (the benchmark shares one instance between its threads) and
 * do all their allocation at construction, except where allocating is what the measured library
 * does per pick.
 */
public interface PickTarget extends AutoCloseable {

  /**
   * Makes one selection and returns what was chosen (the benchmark hands it to a blackhole).
   *
   * @param seq a per-thread sequence number; hashing targets use {@code keys[seq & KEY_MASK]} from
   *     the {@link Workload}'s precomputed keys, others ignore it
   */
  Object pick(int seq);

  /** Stops any threads or timers the target started. */
  @Override
  default void close() {}
}
