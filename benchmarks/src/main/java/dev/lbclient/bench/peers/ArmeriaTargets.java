package dev.lbclient.bench.peers;

import com.linecorp.armeria.common.loadbalancer.LoadBalancer;
import com.linecorp.armeria.common.loadbalancer.SimpleLoadBalancer;
import dev.lbclient.bench.PickTarget;
import dev.lbclient.bench.Workload;
import java.util.ArrayList;
import java.util.List;

/**
 * Armeria's general-purpose load balancers ({@code com.linecorp.armeria.common.loadbalancer}, the
 * ones its endpoint selection strategies are built on): {@code ofRoundRobin}, {@code
 * ofWeightedRoundRobin} and {@code ofWeightedRandom} over plain candidates with a weight function.
 */
public final class ArmeriaTargets {
  private ArmeriaTargets() {}

  /** A candidate server: an address and a weight. */
  record Candidate(String address, int weight) {}

  public static PickTarget create(String algorithm, Workload w) {
    List<Candidate> candidates = new ArrayList<>();
    for (int i = 0; i < w.size(); i++) {
      candidates.add(new Candidate(w.address(i), w.weight(i)));
    }
    SimpleLoadBalancer<Candidate> lb = switch (algorithm) {
      case "roundRobin" -> LoadBalancer.ofRoundRobin(candidates);
      case "weightedRoundRobin" -> LoadBalancer.ofWeightedRoundRobin(candidates, Candidate::weight);
      case "weightedRandom" -> LoadBalancer.ofWeightedRandom(candidates, Candidate::weight);
      default -> throw new IllegalArgumentException("armeria algorithm: " + algorithm
          + " (expected: roundRobin, weightedRoundRobin, weightedRandom)");
    };
    return new ArmeriaTarget(lb);
  }

  private static final class ArmeriaTarget implements PickTarget {
    private final SimpleLoadBalancer<Candidate> lb;

    ArmeriaTarget(SimpleLoadBalancer<Candidate> lb) {
      this.lb = lb;
    }

    @Override
    public Object pick(int seq) {
      return lb.pick();
    }

    @Override
    public void close() {
      lb.close();
    }
  }
}
