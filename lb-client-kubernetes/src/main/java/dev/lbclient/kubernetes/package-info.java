/**
 * lb-client's Kubernetes source: {@link dev.lbclient.kubernetes.KubernetesEndpointSource} watches
 * the EndpointSlices of a Service through a fabric8 client and delivers its endpoints to a load
 * balancer.
 *
 * <p>Every parameter and return value in this package is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.lbclient.kubernetes;

import org.jspecify.annotations.NullMarked;
