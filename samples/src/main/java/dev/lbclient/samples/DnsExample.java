package dev.lbclient.samples;

import dev.lbclient.dns.DnsEndpointSource;
import dev.lbclient.Endpoint;
import dev.lbclient.LoadBalancer;
import dev.lbclient.NoEndpointAvailableException;
import dev.lbclient.Pick;
import java.time.Duration;

/**
 * Discovery through DNS SRV records, as a Kubernetes headless service or Consul's DNS interface
 * publishes them: {@code _http._tcp.orders.service.consul} or
 * {@code _http._tcp.orders.default.svc.cluster.local}.
 */
public final class DnsExample {
  private DnsExample() {}

  public static void main(String[] args) {
    String name = args.length > 0 ? args[0] : "_http._tcp.orders.service.consul";
    try (LoadBalancer orders = LoadBalancer.builder("orders")
        .endpoints(DnsEndpointSource.builder(name)
            .queryTimeout(Duration.ofSeconds(2))
            .build())
        .build()) {
      // A failed first lookup does not fail build(): the pick says what DNS answered.
      try (Pick pick = orders.pick()) {
        Endpoint e = pick.endpoint();
        System.out.println("would call " + e.host() + ":" + e.port() + " (weight " + e.weight()
            + ")");
        pick.success();
      } catch (NoEndpointAvailableException e) {
        System.out.println(e.getMessage());
      }
      System.out.println("source: " + orders.sourceStatus());
    }
  }
}
