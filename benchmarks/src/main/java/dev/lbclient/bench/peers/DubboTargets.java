package dev.lbclient.bench.peers;

import dev.lbclient.bench.PickTarget;
import dev.lbclient.bench.Workload;
import java.util.ArrayList;
import java.util.List;
import org.apache.dubbo.common.URL;
import org.apache.dubbo.rpc.Invocation;
import org.apache.dubbo.rpc.Invoker;
import org.apache.dubbo.rpc.Result;
import org.apache.dubbo.rpc.RpcException;
import org.apache.dubbo.rpc.RpcInvocation;
import org.apache.dubbo.rpc.cluster.LoadBalance;
import org.apache.dubbo.rpc.cluster.loadbalance.ConsistentHashLoadBalance;
import org.apache.dubbo.rpc.cluster.loadbalance.LeastActiveLoadBalance;
import org.apache.dubbo.rpc.cluster.loadbalance.RandomLoadBalance;
import org.apache.dubbo.rpc.cluster.loadbalance.RoundRobinLoadBalance;

/**
 * Dubbo's load balances ({@code roundrobin}: smooth weighted round robin; {@code random};
 * {@code leastactive}; {@code consistenthash}), called as its cluster invoker calls them: {@code
 * select(invokers, consumerUrl, invocation)} over plain {@link Invoker}s whose provider URLs carry
 * the weight. No registry, no protocol, no application model beyond Dubbo's own defaults.
 * Consistent hashing hashes the invocation's first argument, a key from the workload.
 */
public final class DubboTargets {
  private DubboTargets() {}

  /** The service interface the fake invokers claim to serve. */
  public interface Echo {
    String echo(String key);
  }

  private static final String METHOD = "echo";

  public static PickTarget create(String algorithm, Workload w) {
    LoadBalance balance = switch (algorithm) {
      case "roundRobin" -> new RoundRobinLoadBalance();
      case "random" -> new RandomLoadBalance();
      case "leastActive" -> new LeastActiveLoadBalance();
      case "consistentHash" -> new ConsistentHashLoadBalance();
      default -> throw new IllegalArgumentException("dubbo algorithm: " + algorithm
          + " (expected: roundRobin, random, leastActive, consistentHash)");
    };
    List<Invoker<Echo>> invokers = new ArrayList<>();
    for (int i = 0; i < w.size(); i++) {
      invokers.add(new FakeInvoker(URL.valueOf("dubbo://" + w.address(i) + "/"
          + Echo.class.getName() + "?interface=" + Echo.class.getName() + "&weight=" + w.weight(i))));
    }
    URL consumer = URL.valueOf(
        "consumer://10.0.0.99/" + Echo.class.getName() + "?interface=" + Echo.class.getName());
    String[] keys = w.keys();
    Invocation[] invocations = new Invocation[Workload.KEYS];
    for (int k = 0; k < invocations.length; k++) {
      invocations[k] = new RpcInvocation(METHOD, Echo.class.getName(), Echo.class.getName(),
          new Class<?>[] {String.class}, new Object[] {keys[k]});
    }
    return new DubboTarget(balance, List.copyOf(invokers), consumer, invocations);
  }

  private static final class DubboTarget implements PickTarget {
    private final LoadBalance balance;
    private final List<Invoker<Echo>> invokers;
    private final URL consumer;
    private final Invocation[] invocations;

    DubboTarget(LoadBalance balance, List<Invoker<Echo>> invokers, URL consumer,
        Invocation[] invocations) {
      this.balance = balance;
      this.invokers = invokers;
      this.consumer = consumer;
      this.invocations = invocations;
    }

    @Override
    public Object pick(int seq) {
      return balance.select(invokers, consumer, invocations[seq & Workload.KEY_MASK]);
    }
  }

  /** An invoker that is never invoked: identity equality, as Dubbo's own invokers have. */
  private static final class FakeInvoker implements Invoker<Echo> {
    private final URL url;

    FakeInvoker(URL url) {
      this.url = url;
    }

    @Override
    public Class<Echo> getInterface() {
      return Echo.class;
    }

    @Override
    public Result invoke(Invocation invocation) throws RpcException {
      throw new UnsupportedOperationException("benchmark invokers are only selected");
    }

    @Override
    public URL getUrl() {
      return url;
    }

    @Override
    public boolean isAvailable() {
      return true;
    }

    @Override
    public void destroy() {}

    @Override
    public String toString() {
      return url.getAddress();
    }
  }
}
