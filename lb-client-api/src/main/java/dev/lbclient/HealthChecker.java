package dev.lbclient;

import java.util.concurrent.CompletionStage;

/**
 * An active health probe of one endpoint. {@link HealthCheck} runs it on an interval and marks an
 * endpoint unhealthy or healthy again after a number of results in a row.
 *
 * <p>Implementations must be thread-safe and <b>must not block</b>: return a stage that completes
 * later. The stage completes with {@code true} for healthy; {@code false}, an exceptional
 * completion or no completion within the check's timeout all count as unhealthy.
 */
@FunctionalInterface
public interface HealthChecker {
  /** Probes {@code endpoint}. */
  CompletionStage<Boolean> check(Endpoint endpoint);

  /**
   * Healthy when a TCP connection to the endpoint's host and port opens; the connection is closed
   * at once. Uses non-blocking sockets; the host is resolved by the JVM's resolver.
   */
  static HealthChecker tcp() {
    return TcpHealthChecker.INSTANCE;
  }
}
