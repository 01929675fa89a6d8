package dev.lbclient.dns;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/** A reproducible, thread-safe generator for the jitter of tests. */
final class SeededRandom implements RandomGenerator {
  private final SplittableRandom random;

  private SeededRandom(long seed) {
    this.random = new SplittableRandom(seed);
  }

  static RandomGenerator of(long seed) {
    return new SeededRandom(seed);
  }

  @Override
  public synchronized long nextLong() {
    return random.nextLong();
  }

  @Override
  public synchronized long nextLong(long bound) {
    return random.nextLong(bound);
  }
}
