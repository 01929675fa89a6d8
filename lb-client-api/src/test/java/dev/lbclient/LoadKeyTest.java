package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The log-domain key that least time and power of two choices compare orders as the load does. */
class LoadKeyTest {
  private static final long MS = 1_000_000L;

  @Test
  void key_ordersEndpointsAsTheDecayedLoadDoes() {
    SplittableRandom random = new SplittableRandom(7);
    int compared = 0;
    for (int trial = 0; trial < 5_000; trial++) {
      EndpointState a = randomState(random, "10.0.0.1");
      EndpointState b = randomState(random, "10.0.0.2");
      long now = (2_000 + random.nextInt(60_000)) * MS;
      double loadA = PeakEwma.load(a, now);
      double loadB = PeakEwma.load(b, now);
      double keyA = a.peakEwmaLoadKey(now);
      double keyB = b.peakEwmaLoadKey(now);
      if (loadA == loadB) {
        assertThat(keyA).as("trial %d", trial).isEqualTo(keyB);
      } else if (Math.abs(loadA - loadB) > 1e-6 * Math.max(loadA, loadB)) {
        assertThat(keyA < keyB).as("trial %d: %s vs %s", trial, loadA, loadB)
            .isEqualTo(loadA < loadB);
        compared++;
      }
      if (loadA > 0) {
        assertThat(a.loadOfKey(keyA, now)).isCloseTo(loadA, org.assertj.core.data.Percentage.withPercentage(1e-6));
      }
    }
    assertThat(compared).isGreaterThan(4_000);
  }

  /** Up to three samples before 2 s, some failures, some calls in flight, or nothing at all. */
  private static EndpointState randomState(SplittableRandom random, String host) {
    EndpointState s = new EndpointState(Endpoint.of(host, 80), 10_000.0);
    int samples = random.nextInt(4);
    long t = 0;
    for (int i = 0; i < samples; i++) {
      t += random.nextInt(600) * MS;
      long latency = (1 + random.nextInt(500)) * MS;
      if (random.nextInt(4) == 0) {
        s.recordFailure(latency, t);
      } else {
        s.recordSuccess(latency, t);
      }
    }
    for (int i = random.nextInt(4); i > 0; i--) {
      s.acquire(0L);
    }
    return s;
  }
}
