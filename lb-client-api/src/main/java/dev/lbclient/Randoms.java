package dev.lbclient;

import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Randomness for pickers. The default draws from {@link ThreadLocalRandom} (no contention, no
 * allocation); tests and simulations use a seeded one to make picks reproducible.
 */
final class Randoms {
  private Randoms() {}

  /** Each call draws from the calling thread's {@link ThreadLocalRandom}. */
  static RandomGenerator threadLocal() {
    return PerThread.INSTANCE;
  }

  /** A reproducible generator, thread-safe (synchronized), for tests and simulations. */
  static RandomGenerator seeded(long seed) {
    return new Seeded(seed);
  }

  private enum PerThread implements RandomGenerator {
    INSTANCE;

    @Override
    public long nextLong() {
      return ThreadLocalRandom.current().nextLong();
    }

    @Override
    public int nextInt(int bound) {
      return ThreadLocalRandom.current().nextInt(bound);
    }

    @Override
    public long nextLong(long bound) {
      return ThreadLocalRandom.current().nextLong(bound);
    }
  }

  private static final class Seeded implements RandomGenerator {
    private final SplittableRandom random;

    Seeded(long seed) {
      this.random = new SplittableRandom(seed);
    }

    @Override
    public synchronized long nextLong() {
      return random.nextLong();
    }

    @Override
    public synchronized int nextInt(int bound) {
      return random.nextInt(bound);
    }

    @Override
    public synchronized long nextLong(long bound) {
      return random.nextLong(bound);
    }
  }
}
