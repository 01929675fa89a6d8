/**
 * lb-client: client-side load balancing.
 *
 * <p>Start with {@link dev.lbclient.LoadBalancer#builder(String)}: give it an {@link
 * dev.lbclient.EndpointSource} and, optionally, a {@link dev.lbclient.Strategy}; then {@link
 * dev.lbclient.LoadBalancer#pick()} a server for each call and report how the call went on the
 * returned {@link dev.lbclient.Pick}.
 *
 * <p>Every parameter and return value in this package is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.lbclient;

import org.jspecify.annotations.NullMarked;
