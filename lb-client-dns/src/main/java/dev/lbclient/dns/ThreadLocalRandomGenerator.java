package dev.lbclient.dns;

import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/** Draws from the calling thread's {@link ThreadLocalRandom}: the default jitter source. */
enum ThreadLocalRandomGenerator implements RandomGenerator {
  INSTANCE;

  @Override
  public long nextLong() {
    return ThreadLocalRandom.current().nextLong();
  }

  @Override
  public long nextLong(long bound) {
    return ThreadLocalRandom.current().nextLong(bound);
  }
}
