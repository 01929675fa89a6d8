/**
 * lb-client for OkHttp 5: {@link dev.lbclient.okhttp.LoadBalancingInterceptor} spreads the calls
 * of an {@code OkHttpClient} to logical service names over the endpoints of a {@link
 * dev.lbclient.LoadBalancer}, and {@link dev.lbclient.okhttp.HttpHealthChecker} probes endpoints
 * over HTTP for active health checks.
 *
 * <p>Every parameter and return value in this package is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.lbclient.okhttp;

import org.jspecify.annotations.NullMarked;
