/**
 * Server-side load reports: {@link ServerLoadTracker} measures a server's in-flight calls,
 * latency, request and error rates and CPU, and the filters {@link LoadReportingFilter} (JDK
 * {@code HttpServer}) and {@link LoadReportingServletFilter} (Jakarta Servlet) write them into
 * every response's {@code endpoint-load-metrics} header, for clients' {@code
 * Strategy.weightedByLoadReports()}.
 */
@NullMarked
package dev.lbclient.server;

import org.jspecify.annotations.NullMarked;
