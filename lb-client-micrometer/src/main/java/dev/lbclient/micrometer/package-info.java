/** Micrometer metrics for lb-client load balancers: see {@link LoadBalancerMetrics}. */
@NullMarked
package dev.lbclient.micrometer;

import org.jspecify.annotations.NullMarked;
