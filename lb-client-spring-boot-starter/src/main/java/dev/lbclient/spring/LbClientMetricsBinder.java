package dev.lbclient.spring;

import dev.lbclient.LoadBalancerListener;
import dev.lbclient.micrometer.LoadBalancerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Binds every load balancer to the application's {@link MeterRegistry} once all singletons exist
 * (so whichever registry Boot's metrics auto-configuration makes is used), and unbinds on close.
 */
final class LbClientMetricsBinder implements SmartInitializingSingleton, DisposableBean {
  private final LoadBalancers loadBalancers;
  private final ObjectProvider<MeterRegistry> registry;
  private final List<LoadBalancerListener.Registration> registrations = new ArrayList<>();

  LbClientMetricsBinder(LoadBalancers loadBalancers, ObjectProvider<MeterRegistry> registry) {
    this.loadBalancers = loadBalancers;
    this.registry = registry;
  }

  @Override
  public void afterSingletonsInstantiated() {
    MeterRegistry meters = registry.getIfUnique();
    if (meters == null) {
      return;
    }
    synchronized (registrations) {
      loadBalancers.asMap().values()
          .forEach(lb -> registrations.add(LoadBalancerMetrics.bind(lb, meters)));
    }
  }

  @Override
  public void destroy() {
    synchronized (registrations) {
      registrations.forEach(LoadBalancerListener.Registration::close);
      registrations.clear();
    }
  }
}
