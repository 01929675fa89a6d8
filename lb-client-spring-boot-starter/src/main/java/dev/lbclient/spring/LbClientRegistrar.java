package dev.lbclient.spring;

import dev.lbclient.LoadBalancer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.util.ClassUtils;

/**
 * Registers one {@link LoadBalancer} bean per configured service ({@code <name>LoadBalancer},
 * qualified {@code <name>}), the {@link LoadBalancers} bean, and a gRPC channel bean
 * ({@code <name>ManagedChannel}) per service marked for gRPC. Every property is checked here,
 * before any bean is built, so a bad value fails start-up at once.
 */
final class LbClientRegistrar
    implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanClassLoaderAware {
  static final String LOAD_BALANCERS = "lbClientLoadBalancers";
  private static final String GRPC = "dev.lbclient.grpc.GrpcLoadBalancing";
  private static final String GRPC_CHANNEL = "io.grpc.ManagedChannel";

  private @Nullable Environment environment;
  private @Nullable ClassLoader classLoader;

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void setBeanClassLoader(ClassLoader classLoader) {
    this.classLoader = classLoader;
  }

  @Override
  public void registerBeanDefinitions(AnnotationMetadata metadata,
      BeanDefinitionRegistry registry) {
    if (environment == null) {
      throw new IllegalStateException("no Environment");
    }
    LbClientProperties properties = Binder.get(environment)
        .bind("lbclient", LbClientProperties.class).orElseGet(LbClientProperties::new);
    BeanFactory beanFactory = (BeanFactory) registry;
    Map<String, String> beanNames = new LinkedHashMap<>();
    properties.getServices().forEach((name, service) -> {
      Supplier<LoadBalancer> factory = ServiceFactory.prepare(name, service, classLoader);
      String beanName = name + "LoadBalancer";
      RootBeanDefinition lb = new RootBeanDefinition(LoadBalancer.class, factory);
      lb.addQualifier(new AutowireCandidateQualifier(Qualifier.class, name));
      lb.setDestroyMethodName("close");
      registry.registerBeanDefinition(beanName, lb);
      beanNames.put(name, beanName);
      if (service.getGrpc().isEnabled()) {
        if (!ClassUtils.isPresent(GRPC, classLoader)
            || !ClassUtils.isPresent(GRPC_CHANNEL, classLoader)) {
          throw new LbClientConfigException("lbclient.services." + name + ".grpc.enabled: true"
              + " (expected: dev.lbclient:lb-client-grpc and a gRPC transport on the class path)");
        }
        boolean plaintext = service.getGrpc().isPlaintext();
        registry.registerBeanDefinition(name + "ManagedChannel",
            GrpcChannels.definition(name, beanName, plaintext, beanFactory));
      }
    });
    RootBeanDefinition all = new RootBeanDefinition(LoadBalancers.class, () -> {
      Map<String, LoadBalancer> byName = new LinkedHashMap<>();
      beanNames.forEach((name, bean) -> byName.put(name,
          beanFactory.getBean(bean, LoadBalancer.class)));
      return new LoadBalancers(byName);
    });
    all.setDependsOn(beanNames.values().toArray(new String[0]));
    registry.registerBeanDefinition(LOAD_BALANCERS, all);
  }
}
