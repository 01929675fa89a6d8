package dev.lbclient;

import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Randomness for pickers. The default is {@link ThreadLocalRandom} (no contention, no
 * allocation); tests use a seeded one to make distributions reproducible.
 */
interface Rng {
  Rng THREAD_LOCAL = new Rng() {
    @Override
    public int nextInt(int bound) {
      return ThreadLocalRandom.current().nextInt(bound);
    }

    @Override
    public long nextLong(long bound) {
      return ThreadLocalRandom.current().nextLong(bound);
    }
  };

  /** Uniform in [0, bound); bound > 0. */
  int nextInt(int bound);

  /** Uniform in [0, bound); bound > 0. */
  long nextLong(long bound);

  /** A reproducible generator; thread-safe (synchronized), for tests and simulations. */
  static Rng seeded(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    return new Rng() {
      @Override
      public synchronized int nextInt(int bound) {
        return random.nextInt(bound);
      }

      @Override
      public synchronized long nextLong(long bound) {
        return random.nextLong(bound);
      }
    };
  }
}
