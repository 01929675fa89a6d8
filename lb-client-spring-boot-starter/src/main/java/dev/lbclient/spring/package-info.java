/**
 * Spring Boot auto-configuration for lb-client: one {@link dev.lbclient.LoadBalancer} per service
 * configured under {@code lbclient.services.<name>}, with metrics, health, an Actuator endpoint,
 * a balanced {@code OkHttpClient} / {@code ClientHttpRequestFactory} and gRPC channels.
 */
@NullMarked
package dev.lbclient.spring;

import org.jspecify.annotations.NullMarked;
