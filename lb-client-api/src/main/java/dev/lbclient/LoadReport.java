package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A server's report of its own load, as ORCA's {@code OrcaLoadReport} carries it: CPU, memory and
 * application utilization, requests and errors per second, and named metrics. Servers send it in
 * the {@value #HEADER} response header (or trailer); {@link #parse(String)} reads the forms Envoy
 * reads, and {@link Pick#reportLoad(LoadReport)} hands it to the load balancer for the endpoint
 * that served the call.
 *
 * <p>The header value starts with its format: {@code TEXT cpu_utilization=0.3, rps_fractional=120,
 * eps=2, named_metrics.queue=4} (ORCA's spec writes {@code =}, Envoy parses {@code :}; both are
 * read), {@code JSON {"cpu_utilization": 0.3, "named_metrics": {"queue": 4}}} (the proto JSON of
 * {@code OrcaLoadReport}, snake_case or lowerCamelCase names), or {@code BIN <base64>} (the
 * serialized proto, also the value of the {@value #BINARY_HEADER} header without the prefix).
 * Duplicate names, unknown names, NaN, infinities and negative utilizations or rates make a value
 * malformed.
 *
 * <p>The in-flight count, which ORCA has no field for, travels as the named metric {@value
 * #IN_FLIGHT_METRIC} (what {@code lb-client-server} writes).
 *
 * <p>Immutable and thread-safe.
 */
public final class LoadReport {
  /** The response header (or trailer) that carries a report: {@value}. */
  public static final String HEADER = "endpoint-load-metrics";
  /** The header (or gRPC trailer) that carries a serialized report in base64: {@value}. */
  public static final String BINARY_HEADER = "endpoint-load-metrics-bin";
  /** The named metric that carries the server's in-flight calls: {@value}. */
  public static final String IN_FLIGHT_METRIC = "in_flight";

  private final double cpuUtilization;
  private final double memUtilization;
  private final double applicationUtilization;
  private final double rpsFractional;
  private final double eps;
  private final Map<String, Double> namedMetrics;
  private final Map<String, Double> utilization;
  private final Map<String, Double> requestCost;

  private LoadReport(Builder b) {
    this.cpuUtilization = b.cpu;
    this.memUtilization = b.mem;
    this.applicationUtilization = b.application;
    this.rpsFractional = b.rps;
    this.eps = b.eps;
    this.namedMetrics = Collections.unmodifiableMap(new TreeMap<>(b.named));
    this.utilization = Collections.unmodifiableMap(new TreeMap<>(b.utilization));
    this.requestCost = Collections.unmodifiableMap(new TreeMap<>(b.requestCost));
  }

  /** A builder of reports; every value starts at 0 and every map empty. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The report in a {@value #HEADER} value ({@code TEXT ...}, {@code JSON ...} or {@code BIN ...}),
   * or empty when the value is malformed. Never throws for any text: a malformed value is logged
   * once at DEBUG (logger {@code dev.lbclient.LoadReport}), without the value itself.
   */
  public static Optional<LoadReport> parse(String headerValue) {
    requireNonNull(headerValue, "headerValue");
    return Optional.ofNullable(LoadReportParser.parse(headerValue, LoadReportParser.LOG));
  }

  /** The report in a {@value #BINARY_HEADER} value (base64 without prefix); as {@link #parse}. */
  public static Optional<LoadReport> parseBinary(String base64) {
    requireNonNull(base64, "base64");
    return Optional.ofNullable(LoadReportParser.parseBinary(base64, LoadReportParser.LOG));
  }

  /** CPU utilization, a fraction of the available CPU (may exceed 1 past a soft limit). */
  public double cpuUtilization() {
    return cpuUtilization;
  }

  /** Memory utilization, a fraction of the available memory. */
  public double memUtilization() {
    return memUtilization;
  }

  /** The application's own utilization, preferred to CPU by load-report weights when above 0. */
  public double applicationUtilization() {
    return applicationUtilization;
  }

  /** Requests per second the server is serving, all clients together. */
  public double rpsFractional() {
    return rpsFractional;
  }

  /** Errors per second the server is returning, all clients together. */
  public double eps() {
    return eps;
  }

  /** Application-specific metrics, by name (sorted). */
  public Map<String, Double> namedMetrics() {
    return namedMetrics;
  }

  /** Application-specific utilizations, by name (sorted). */
  public Map<String, Double> utilization() {
    return utilization;
  }

  /** Costs of this request, by name (sorted). */
  public Map<String, Double> requestCost() {
    return requestCost;
  }

  /** The server's in-flight calls (the named metric {@value #IN_FLIGHT_METRIC}), or -1. */
  public int inFlight() {
    Double n = namedMetrics.get(IN_FLIGHT_METRIC);
    return n == null || n < 0 ? -1 : (int) Math.min(Integer.MAX_VALUE, Math.round(n));
  }

  /**
   * This report as a {@value #HEADER} value in the TEXT form, scalar fields at 0 left out:
   * {@code TEXT cpu_utilization:0.42,rps_fractional:120,named_metrics.in_flight:3}. Uses {@code :} as Envoy
   * parses it; {@link #parse} reads it back.
   */
  public String toHeaderValue() {
    StringBuilder sb = new StringBuilder("TEXT ");
    field(sb, "cpu_utilization", cpuUtilization);
    field(sb, "mem_utilization", memUtilization);
    field(sb, "application_utilization", applicationUtilization);
    field(sb, "rps_fractional", rpsFractional);
    field(sb, "eps", eps);
    namedMetrics.forEach((k, v) -> entry(sb, "named_metrics." + k, v));
    utilization.forEach((k, v) -> entry(sb, "utilization." + k, v));
    requestCost.forEach((k, v) -> entry(sb, "request_cost." + k, v));
    if (sb.length() > 5) {
      sb.setLength(sb.length() - 1);
    }
    return sb.toString();
  }

  /** A scalar field; 0 is left out, as proto3 leaves it unset. */
  private static void field(StringBuilder sb, String name, double value) {
    if (value != 0) {
      entry(sb, name, value);
    }
  }

  /** A map entry, written even when 0 (an in-flight count of 0 is news). */
  private static void entry(StringBuilder sb, String name, double value) {
    sb.append(name).append(':');
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      sb.append((long) value);
    } else {
      sb.append(value);
    }
    sb.append(',');
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof LoadReport)) {
      return false;
    }
    LoadReport r = (LoadReport) o;
    return Double.compare(cpuUtilization, r.cpuUtilization) == 0
        && Double.compare(memUtilization, r.memUtilization) == 0
        && Double.compare(applicationUtilization, r.applicationUtilization) == 0
        && Double.compare(rpsFractional, r.rpsFractional) == 0
        && Double.compare(eps, r.eps) == 0 && namedMetrics.equals(r.namedMetrics)
        && utilization.equals(r.utilization) && requestCost.equals(r.requestCost);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(cpuUtilization, memUtilization, applicationUtilization,
        rpsFractional, eps, namedMetrics, utilization, requestCost);
  }

  @Override
  public String toString() {
    return "LoadReport{" + toHeaderValue().substring(5) + '}';
  }

  /**
   * Builds a {@link LoadReport}. Each setter validates its value at once and may be called once.
   * Not thread-safe.
   */
  public static final class Builder {
    private double cpu;
    private double mem;
    private double application;
    private double rps;
    private double eps;
    private final Map<String, Double> named = new TreeMap<>();
    private final Map<String, Double> utilization = new TreeMap<>();
    private final Map<String, Double> requestCost = new TreeMap<>();
    private int given;

    private Builder() {}

    /** @throws IllegalArgumentException unless finite and >= 0 */
    public Builder cpuUtilization(double value) {
      cpu = check("cpuUtilization", value, 1);
      return this;
    }

    /** @throws IllegalArgumentException unless finite and >= 0 */
    public Builder memUtilization(double value) {
      mem = check("memUtilization", value, 2);
      return this;
    }

    /** @throws IllegalArgumentException unless finite and >= 0 */
    public Builder applicationUtilization(double value) {
      application = check("applicationUtilization", value, 4);
      return this;
    }

    /** @throws IllegalArgumentException unless finite and >= 0 */
    public Builder rpsFractional(double value) {
      rps = check("rpsFractional", value, 8);
      return this;
    }

    /** @throws IllegalArgumentException unless finite and >= 0 */
    public Builder eps(double value) {
      eps = check("eps", value, 16);
      return this;
    }

    /** Sets the named metric {@value #IN_FLIGHT_METRIC}. */
    public Builder inFlight(int calls) {
      if (calls < 0) {
        throw new IllegalArgumentException("inFlight: " + calls + " (expected: >= 0)");
      }
      return namedMetric(IN_FLIGHT_METRIC, calls);
    }

    /** @throws IllegalArgumentException for an empty name or a value that is not finite */
    public Builder namedMetric(String name, double value) {
      return put("namedMetric", named, name, value, false);
    }

    /** @throws IllegalArgumentException for an empty name or a value not finite and >= 0 */
    public Builder utilization(String name, double value) {
      return put("utilization", utilization, name, value, true);
    }

    /** @throws IllegalArgumentException for an empty name or a value that is not finite */
    public Builder requestCost(String name, double value) {
      return put("requestCost", requestCost, name, value, false);
    }

    /** The report. */
    public LoadReport build() {
      return new LoadReport(this);
    }

    private double check(String setting, double value, int bit) {
      if ((given & bit) != 0) {
        throw new IllegalStateException(setting + " was already set");
      }
      if (!(value >= 0) || Double.isInfinite(value)) {
        throw new IllegalArgumentException(
            setting + ": " + value + " (expected: a finite number >= 0)");
      }
      given |= bit;
      return value;
    }

    private Builder put(String setting, Map<String, Double> map, String name, double value,
        boolean nonNegative) {
      requireNonNull(name, "name");
      if (name.isEmpty()) {
        throw new IllegalArgumentException(setting + ": empty name (expected: a non-empty name)");
      }
      if (Double.isNaN(value) || Double.isInfinite(value) || (nonNegative && value < 0)) {
        throw new IllegalArgumentException(setting + " " + name + ": " + value
            + (nonNegative ? " (expected: a finite number >= 0)" : " (expected: a finite number)"));
      }
      if (map.containsKey(name)) {
        throw new IllegalStateException(setting + " " + name + " was already set to "
            + map.get(name));
      }
      map.put(name, value);
      return this;
    }
  }
}
