/**
 * lb-client's Micrometer meters: {@link dev.lbclient.micrometer.LoadBalancerMetrics} binds a load
 * balancer's counters, gauges and events to a {@code MeterRegistry}.
 */
module dev.lbclient.micrometer {
  requires transitive dev.lbclient;
  requires transitive micrometer.core;
  requires static transitive org.jspecify;

  exports dev.lbclient.micrometer;
}
