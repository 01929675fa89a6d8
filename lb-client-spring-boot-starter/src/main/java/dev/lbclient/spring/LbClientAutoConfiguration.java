package dev.lbclient.spring;

import dev.lbclient.micrometer.LoadBalancerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import okhttp3.OkHttpClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.RestTemplateCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.http.client.ClientHttpRequestFactory;

/**
 * Auto-configuration of lb-client: a {@code LoadBalancer} bean per {@code lbclient.services.<name>}
 * (closed with the context), metrics on the application's {@code MeterRegistry}, a health
 * contributor {@code lbclient} with one child per service, the Actuator endpoint {@code lbclient},
 * an {@code OkHttpClient} bean {@code lbClientOkHttpClient} balancing every service, a {@code
 * ClientHttpRequestFactory} on it applied to Boot's {@code RestClient.Builder} and {@code
 * RestTemplateBuilder}, and a {@code ManagedChannel} per service marked for gRPC. Off with {@code
 * lbclient.enabled=false}.
 *
 * <p>Configuration classes are used by Spring once, at start-up; the beans they make are
 * thread-safe.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "lbclient", name = "enabled", havingValue = "true",
    matchIfMissing = true)
@EnableConfigurationProperties(LbClientProperties.class)
@Import(LbClientRegistrar.class)
public class LbClientAutoConfiguration {
  /** Used by Spring. */
  public LbClientAutoConfiguration() {}

  /** The balanced OkHttp client. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(OkHttpClient.class)
  static class OkHttpConfiguration {
    @Bean
    BalancedOkHttp lbClientBalancedOkHttp(LoadBalancers loadBalancers) {
      return new BalancedOkHttp(loadBalancers);
    }

    @Bean
    @ConditionalOnMissingBean(name = "lbClientOkHttpClient")
    OkHttpClient lbClientOkHttpClient(BalancedOkHttp balanced) {
      return balanced.client();
    }
  }

  /** Spring's request factory on the balanced OkHttp client. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({OkHttpClient.class, ClientHttpRequestFactory.class})
  static class RequestFactoryConfiguration {
    @Bean
    @ConditionalOnMissingBean(name = "lbClientRequestFactory")
    ClientHttpRequestFactory lbClientRequestFactory(
        @Qualifier("lbClientOkHttpClient") OkHttpClient client) {
      return new OkHttpRequestFactory(client);
    }
  }

  /** Boot's RestClient.Builder and RestTemplateBuilder use the balanced request factory. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({OkHttpClient.class, RestClientCustomizer.class})
  @ConditionalOnProperty(prefix = "lbclient", name = "rest-client.enabled", havingValue = "true",
      matchIfMissing = true)
  static class RestClientConfiguration {
    @Bean
    RestClientCustomizer lbClientRestClientCustomizer(
        @Qualifier("lbClientRequestFactory") ClientHttpRequestFactory requestFactory) {
      return builder -> builder.requestFactory(requestFactory);
    }

    @Bean
    RestTemplateCustomizer lbClientRestTemplateCustomizer(
        @Qualifier("lbClientRequestFactory") ClientHttpRequestFactory requestFactory) {
      return restTemplate -> restTemplate.setRequestFactory(requestFactory);
    }
  }

  /** Metrics. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({MeterRegistry.class, LoadBalancerMetrics.class})
  static class MetricsConfiguration {
    @Bean
    LbClientMetricsBinder lbClientMetricsBinder(LoadBalancers loadBalancers,
        ObjectProvider<MeterRegistry> registry) {
      return new LbClientMetricsBinder(loadBalancers, registry);
    }
  }

  /** Health: the contributor {@code lbclient}, one child per service. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(HealthContributor.class)
  static class HealthConfiguration {
    @Bean
    @ConditionalOnMissingBean(name = "lbclientHealthContributor")
    CompositeHealthContributor lbclientHealthContributor(LoadBalancers loadBalancers,
        LbClientProperties properties) {
      Map<String, HealthContributor> byService = new LinkedHashMap<>();
      loadBalancers.asMap().forEach((name, lb) -> byService.put(name,
          new LbClientHealthIndicator(lb, LbClientEndpoint.panicThreshold(properties, name))));
      return CompositeHealthContributor.fromMap(byService);
    }
  }

  /** The Actuator endpoint {@code lbclient}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(org.springframework.boot.actuate.endpoint.annotation.Endpoint.class)
  static class EndpointConfiguration {
    @Bean
    @ConditionalOnMissingBean
    LbClientEndpoint lbClientEndpoint(LoadBalancers loadBalancers,
        LbClientProperties properties) {
      return new LbClientEndpoint(loadBalancers, properties);
    }
  }
}
