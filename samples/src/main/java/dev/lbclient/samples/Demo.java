package dev.lbclient.samples;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.EndpointStats;
import dev.lbclient.LoadBalancer;
import dev.lbclient.Pick;
import dev.lbclient.Strategy;
import java.util.List;

/**
 * A first look: balances simulated calls over three endpoints, one of them slow, with round robin
 * and then with the default strategy, and prints what each endpoint received.
 */
public final class Demo {
  private Demo() {}

  public static void main(String[] args) {
    List<Endpoint> endpoints = List.of(
        Endpoint.parse("127.0.0.1:9001"),
        Endpoint.parse("127.0.0.1:9002"),
        Endpoint.parse("127.0.0.1:9003"));
    for (Strategy strategy : List.of(Strategy.roundRobin(), Strategy.powerOfTwoChoices())) {
      FakeClock clock = new FakeClock();
      try (LoadBalancer lb = LoadBalancer.builder("demo")
          .endpoints(EndpointSource.of(endpoints.toArray(new Endpoint[0])))
          .strategy(strategy)
          .ticker(clock::nanos)
          .build()) {
        for (int i = 0; i < 3_000; i++) {
          try (Pick pick = lb.pick()) {
            // Port 9003 answers in 50 ms, the others in 5 ms (simulated on a virtual clock).
            clock.advanceMillis(pick.endpoint().port() == 9003 ? 50 : 5);
            pick.success();
          }
        }
        System.out.printf("%n%s%n%-18s %10s %14s%n", strategy.name(), "endpoint", "calls",
            "latency (ms)");
        for (EndpointStats s : lb.stats()) {
          System.out.printf("%-18s %10d %14.1f%n", s.endpoint().address(), s.successes(),
              s.latencyEstimateNanos() / 1e6);
        }
      }
    }
  }

  private static final class FakeClock {
    private long nanos;

    long nanos() {
      return nanos;
    }

    void advanceMillis(long millis) {
      nanos += millis * 1_000_000L;
    }
  }
}
