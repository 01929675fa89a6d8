package dev.lbclient.bench.peers;

import dev.lbclient.bench.PickTarget;
import dev.lbclient.bench.Workload;
import java.time.Duration;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.cache.CaffeineBasedLoadBalancerCacheManager;
import org.springframework.cloud.loadbalancer.cache.LoadBalancerCacheProperties;
import org.springframework.cloud.loadbalancer.core.CachingServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.RandomLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.ServiceInstanceListSuppliers;
import org.springframework.cloud.loadbalancer.support.SimpleObjectProvider;
import reactor.core.publisher.Mono;

/**
 * Spring Cloud LoadBalancer's {@code RoundRobinLoadBalancer} and {@code RandomLoadBalancer}, driven
 * as its {@code BlockingLoadBalancerClient} drives them: {@code Mono.from(lb.choose(request))
 * .block()}, over a static {@code ServiceInstanceListSupplier} of {@code DefaultServiceInstance}s.
 * {@code roundRobin.cached} puts the supplier behind {@code CachingServiceInstanceListSupplier} with
 * the Caffeine-based cache manager, as the default configuration does when Caffeine is present.
 */
public final class SpringTargets {
  private SpringTargets() {}

  private static final String SERVICE = "bench";

  public static PickTarget create(String algorithm, Workload w) {
    ServiceInstance[] instances = new ServiceInstance[w.size()];
    for (int i = 0; i < instances.length; i++) {
      instances[i] = new DefaultServiceInstance(
          SERVICE + "-" + i, SERVICE, w.host(i), Workload.PORT, false);
    }
    ServiceInstanceListSupplier supplier = ServiceInstanceListSuppliers.from(SERVICE, instances);
    ReactorServiceInstanceLoadBalancer lb = switch (algorithm) {
      case "roundRobin" -> new RoundRobinLoadBalancer(new SimpleObjectProvider<>(supplier), SERVICE);
      case "random" -> new RandomLoadBalancer(new SimpleObjectProvider<>(supplier), SERVICE);
      case "roundRobin.cached" -> {
        LoadBalancerCacheProperties properties = new LoadBalancerCacheProperties();
        properties.setTtl(Duration.ofHours(1)); // no refresh during a run
        ServiceInstanceListSupplier cached = new CachingServiceInstanceListSupplier(
            supplier, new CaffeineBasedLoadBalancerCacheManager(properties));
        yield new RoundRobinLoadBalancer(new SimpleObjectProvider<>(cached), SERVICE);
      }
      default -> throw new IllegalArgumentException("spring algorithm: " + algorithm
          + " (expected: roundRobin, random, roundRobin.cached)");
    };
    return new SpringTarget(lb);
  }

  private static final class SpringTarget implements PickTarget {
    private final ReactorServiceInstanceLoadBalancer lb;
    // One request reused: the blocking client builds one per call, which is not counted here.
    private final Request<RequestDataContext> request = new DefaultRequest<>(new RequestDataContext());

    SpringTarget(ReactorServiceInstanceLoadBalancer lb) {
      this.lb = lb;
    }

    @Override
    public Object pick(int seq) {
      Response<ServiceInstance> response = Mono.from(lb.choose(request)).block();
      return response.getServer();
    }
  }
}
