package dev.lbclient.bench.peers;

import com.netflix.loadbalancer.AbstractLoadBalancerRule;
import com.netflix.loadbalancer.BaseLoadBalancer;
import com.netflix.loadbalancer.BestAvailableRule;
import com.netflix.loadbalancer.LoadBalancerStats;
import com.netflix.loadbalancer.RandomRule;
import com.netflix.loadbalancer.RoundRobinRule;
import com.netflix.loadbalancer.Server;
import com.netflix.loadbalancer.WeightedResponseTimeRule;
import dev.lbclient.bench.PickTarget;
import dev.lbclient.bench.Workload;
import java.util.ArrayList;
import java.util.List;

/**
 * Ribbon's rules over a {@code BaseLoadBalancer} with a static server list and no pinging,
 * through {@code chooseServer(key)} as Ribbon's clients call it.
 *
 * <p>{@code weightedResponseTime}: before building the rule each server is given recorded response
 * times of {@code 120 / weight} ms, so that the rule's weights (computed when it is attached, and
 * every 30 s by its timer) are in proportion to the workload's weights; with no samples it would
 * fall back to round robin. {@code bestAvailable} scans every server's active-request count (all
 * zero here, so it returns the first).
 */
public final class RibbonTargets {
  private RibbonTargets() {}

  public static PickTarget create(String algorithm, Workload w) {
    List<Server> servers = new ArrayList<>();
    for (int i = 0; i < w.size(); i++) {
      Server server = new Server(w.host(i), Workload.PORT);
      server.setAlive(true);
      servers.add(server);
    }
    BaseLoadBalancer lb = new BaseLoadBalancer();
    lb.addServers(servers);
    AbstractLoadBalancerRule rule = switch (algorithm) {
      case "roundRobin" -> new RoundRobinRule();
      case "random" -> new RandomRule();
      case "bestAvailable" -> new BestAvailableRule();
      case "weightedResponseTime" -> {
        LoadBalancerStats stats = lb.getLoadBalancerStats();
        for (int i = 0; i < servers.size(); i++) {
          for (int k = 0; k < 10; k++) {
            stats.noteResponseTime(servers.get(i), 120.0 / w.weight(i));
          }
        }
        yield new WeightedResponseTimeRule();
      }
      default -> throw new IllegalArgumentException("ribbon algorithm: " + algorithm
          + " (expected: roundRobin, random, bestAvailable, weightedResponseTime)");
    };
    lb.setRule(rule);
    return new RibbonTarget(lb, rule);
  }

  private static final class RibbonTarget implements PickTarget {
    private final BaseLoadBalancer lb;
    private final AbstractLoadBalancerRule rule;

    RibbonTarget(BaseLoadBalancer lb, AbstractLoadBalancerRule rule) {
      this.lb = lb;
      this.rule = rule;
    }

    @Override
    public Object pick(int seq) {
      return lb.chooseServer(null);
    }

    @Override
    public void close() {
      if (rule instanceof WeightedResponseTimeRule weighted) {
        weighted.shutdown();
      }
      lb.shutdown();
    }
  }
}
