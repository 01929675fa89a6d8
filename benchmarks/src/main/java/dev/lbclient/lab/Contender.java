package dev.lbclient.lab;

import dev.lbclient.Strategy;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A way of choosing servers that the lab compares: one of the library's strategies, named {@code
 * lbclient.<Strategy.name()>} (suffixed {@code .hedged}: with hedged requests too), or the oracle
 * {@code oracle.jsq}, which sees every server's queue (the bound no client-side balancer can beat).
 */
record Contender(String name, @Nullable Strategy strategy) {
  static final String ORACLE = "oracle.jsq";
  /** The library's default strategy. */
  static final String DEFAULT = "lbclient." + Strategy.powerOfTwoChoices().name();
  static final String ROUND_ROBIN = "lbclient." + Strategy.roundRobin().name();
  /** Suffix of a contender that also hedges: {@code HedgingPolicy} at p95, 5% budget. */
  static final String HEDGED = ".hedged";

  boolean isOracle() {
    return strategy == null;
  }

  boolean hedged() {
    return name.endsWith(HEDGED);
  }

  /** Every strategy factory of {@link Strategy}, then the oracle. */
  static List<Contender> all() {
    List<Strategy> strategies = List.of(
        Strategy.powerOfTwoChoices(),
        Strategy.powerOfTwoChoices(Strategy.Load.IN_FLIGHT),
        Strategy.leastTime(),
        Strategy.leastConnections(),
        Strategy.roundRobin(),
        Strategy.weightedRoundRobin(),
        Strategy.random(),
        Strategy.consistentHash(),
        Strategy.consistentHashWithBoundedLoad(1.25),
        Strategy.ipHash(),
        Strategy.weightedByLoadReports());
    List<Contender> all = new ArrayList<>();
    for (Strategy s : strategies) {
      all.add(new Contender("lbclient." + s.name(), s));
    }
    all.add(new Contender(DEFAULT + HEDGED, Strategy.powerOfTwoChoices()));
    all.add(new Contender(ROUND_ROBIN + HEDGED, Strategy.roundRobin()));
    all.add(new Contender(ORACLE, null));
    return List.copyOf(all);
  }

  static Contender byName(String name) {
    for (Contender c : all()) {
      if (c.name.equals(name)) {
        return c;
      }
    }
    List<String> names = new ArrayList<>();
    for (Contender c : all()) {
      names.add(c.name);
    }
    throw new IllegalArgumentException("strategy: " + name + " (expected one of " + names + ")");
  }
}
