package dev.lbclient.samples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.client.RestClient;

/**
 * A Spring Boot application with a balanced {@link RestClient}: the starter on the class path and
 * {@code lbclient.services.orders.endpoints} set, in {@code application.yml} or as an argument:
 * {@code --lbclient.services.orders.endpoints=host:port,...}.
 */
@SpringBootApplication
public class SpringBootExample {

  /** Calls to http://orders/... are spread over the orders endpoints. */
  @Bean
  RestClient orders(RestClient.Builder builder) {
    return builder.baseUrl("http://orders").build();
  }

  public static void main(String[] args) {
    SpringApplication.run(SpringBootExample.class, args);
  }
}
