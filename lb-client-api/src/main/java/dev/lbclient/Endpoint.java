package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One server of a service: a host, a port and a weight, plus an optional zone and attributes.
 *
 * <p>Two endpoints are the <em>same server</em> when their {@link #address() address} (host and
 * port) is the same; the pool keeps a server's counters, latency and health across refreshes by
 * that identity, even when its weight, zone or attributes change. {@link #equals(Object)} compares
 * every field.
 *
 * <p>The host is kept as given (a hostname or an IP literal) and is never resolved here.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Endpoint {
  /** The smallest weight, {@value}. */
  public static final int MIN_WEIGHT = 1;
  /** The largest weight, {@value} (the range of a DNS SRV weight). */
  public static final int MAX_WEIGHT = 65_535;

  private final String host;
  private final int port;
  private final int weight;
  private final @Nullable String zone;
  private final Map<String, String> attributes;
  private final String address;

  private Endpoint(
      String host, int port, int weight, @Nullable String zone, Map<String, String> attributes) {
    this.host = host;
    this.port = port;
    this.weight = weight;
    this.zone = zone;
    this.attributes = attributes;
    this.address = host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }

  /**
   * Returns an endpoint of weight 1.
   *
   * @param host a hostname or an IP address; an IPv6 literal may be given with or without
   *     brackets
   * @param port 1 to 65535
   * @throws IllegalArgumentException if the host or port is not valid; the message names the value
   */
  public static Endpoint of(String host, int port) {
    requireNonNull(host, "host");
    return new Endpoint(checkHost(host), checkPort(port), 1, null, Map.of());
  }

  /**
   * Parses {@code host:port}, {@code [ipv6]:port}, optionally followed by parameters separated by
   * {@code ;}: {@code weight=N} and {@code zone=Z}. For example {@code 10.0.0.1:8080},
   * {@code [::1]:8080;weight=3}, {@code orders-1.internal:443;weight=2;zone=eu-west-1a}.
   * {@link #toString()} writes this form, so {@code parse(e.toString())} gives back {@code e} for
   * an endpoint without attributes.
   *
   * @throws IllegalArgumentException if the text is not of that form; the message names the part
   *     at fault and the whole input
   */
  public static Endpoint parse(String text) {
    requireNonNull(text, "text");
    String s = text.strip();
    String[] parts = s.split(";", -1);
    String hostPort = parts[0];
    String host;
    String portText;
    if (hostPort.startsWith("[")) {
      int close = hostPort.indexOf(']');
      if (close < 0 || close + 1 >= hostPort.length() || hostPort.charAt(close + 1) != ':') {
        throw new IllegalArgumentException(
            "endpoint: '" + text + "' (expected: [ipv6]:port, e.g. [::1]:8080)");
      }
      host = hostPort.substring(1, close);
      portText = hostPort.substring(close + 2);
    } else {
      int colon = hostPort.lastIndexOf(':');
      if (colon < 0 || hostPort.indexOf(':') != colon) {
        throw new IllegalArgumentException(
            "endpoint: '" + text + "' (expected: host:port or [ipv6]:port, e.g. 10.0.0.1:8080)");
      }
      host = hostPort.substring(0, colon);
      portText = hostPort.substring(colon + 1);
    }
    int port = parseInt("port", portText, text);
    Endpoint e = of(host, port);
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (int i = 1; i < parts.length; i++) {
      String param = parts[i];
      int eq = param.indexOf('=');
      String key = eq < 0 ? param : param.substring(0, eq).strip();
      String value = eq < 0 ? "" : param.substring(eq + 1).strip();
      if (!seen.add(key) && (key.equals("weight") || key.equals("zone"))) {
        throw new IllegalArgumentException(
            "endpoint parameter: '" + key + "' given twice in '" + text + "'");
      }
      switch (key) {
        case "weight":
          e = e.withWeight(parseInt("weight", value, text));
          break;
        case "zone":
          e = e.withZone(value);
          break;
        default:
          throw new IllegalArgumentException(
              "endpoint parameter: '" + param + "' in '" + text + "' (expected: weight=N or zone=Z)");
      }
    }
    return e;
  }

  private static int parseInt(String field, String value, String input) {
    if (value.isEmpty() || value.length() > 9 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException(
          field + ": '" + value + "' in '" + input + "' (expected: a whole number)");
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException ex) {
      throw new IllegalArgumentException(
          field + ": '" + value + "' in '" + input + "' (expected: a whole number)", ex);
    }
  }

  /** The hostname or IP address, as given (an IPv6 literal without brackets). */
  public String host() {
    return host;
  }

  /** The port, 1 to 65535. */
  public int port() {
    return port;
  }

  /**
   * The relative weight, {@value #MIN_WEIGHT} to {@value #MAX_WEIGHT}; 1 unless set. Weighted
   * strategies send a share of traffic proportional to it; unweighted ones ignore it.
   */
  public int weight() {
    return weight;
  }

  /** The zone or locality this endpoint is in, or {@code null} if none was given. */
  public @Nullable String zone() {
    return zone;
  }

  /** Free-form attributes (for example a version or a canary flag); an immutable map. */
  public Map<String, String> attributes() {
    return attributes;
  }

  /** The value of one attribute, or {@code null}. */
  public @Nullable String attribute(String key) {
    return attributes.get(requireNonNull(key, "key"));
  }

  /**
   * The identity of this server: {@code host:port}, or {@code [host]:port} for an IPv6 literal.
   */
  public String address() {
    return address;
  }

  /**
   * Returns a copy with this weight.
   *
   * @throws IllegalArgumentException if weight is outside {@value #MIN_WEIGHT}..{@value
   *     #MAX_WEIGHT}
   */
  public Endpoint withWeight(int weight) {
    if (weight < MIN_WEIGHT || weight > MAX_WEIGHT) {
      throw new IllegalArgumentException(
          "weight: " + weight + " (expected: " + MIN_WEIGHT + ".." + MAX_WEIGHT + ")");
    }
    return weight == this.weight ? this : new Endpoint(host, port, weight, zone, attributes);
  }

  /**
   * Returns a copy in this zone.
   *
   * @throws IllegalArgumentException if the zone is blank or holds {@code ;} or white space
   */
  public Endpoint withZone(String zone) {
    return new Endpoint(host, port, weight, checkZone("zone", zone), attributes);
  }

  /** {@code zone} if it is a valid zone name; otherwise the message names {@code what}. */
  static String checkZone(String what, String zone) {
    requireNonNull(zone, what);
    if (zone.isEmpty() || !zone.chars().allMatch(c -> c > ' ' && c != ';' && c < 0x7f)) {
      throw new IllegalArgumentException(
          what + ": '" + zone + "' (expected: non-empty, printable ASCII, no ';' or spaces)");
    }
    return zone;
  }

  /** Returns a copy with this attribute added or replaced. */
  public Endpoint withAttribute(String key, String value) {
    requireNonNull(key, "key");
    requireNonNull(value, "value");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("attribute key: '' (expected: non-empty)");
    }
    Map<String, String> copy = new LinkedHashMap<>(attributes);
    copy.put(key, value);
    return new Endpoint(host, port, weight, zone, Map.copyOf(copy));
  }

  /** True when {@code other} is the same server (same {@link #address()}). */
  public boolean sameAddress(Endpoint other) {
    return address.equals(other.address);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Endpoint)) {
      return false;
    }
    Endpoint that = (Endpoint) o;
    return port == that.port
        && weight == that.weight
        && host.equals(that.host)
        && java.util.Objects.equals(zone, that.zone)
        && attributes.equals(that.attributes);
  }

  @Override
  public int hashCode() {
    return address.hashCode() * 31 + weight;
  }

  /**
   * The {@link #parse(String)} form: the address, then {@code ;weight=N} when the weight is not 1
   * and {@code ;zone=Z} when a zone is set; attributes, if any, in braces (not parseable).
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(address);
    if (weight != 1) {
      sb.append(";weight=").append(weight);
    }
    if (zone != null) {
      sb.append(";zone=").append(zone);
    }
    if (!attributes.isEmpty()) {
      sb.append(new TreeMap<>(attributes));
    }
    return sb.toString();
  }

  static int checkPort(int port) {
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
    }
    return port;
  }

  private static String checkHost(String host) {
    String h = host;
    if (h.length() > 2 && h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.indexOf(':') >= 0 ? isIpv6Literal(h) : isHostname(h)) {
      return h;
    }
    throw new IllegalArgumentException(
        "host: '" + host + "' (expected: a hostname or an IP address)");
  }

  /** RFC 1123 hostnames, also accepting '_' (used in service names) and IPv4 literals. */
  private static boolean isHostname(String h) {
    if (h.isEmpty() || h.length() > 253) {
      return false;
    }
    int labelLength = 0;
    for (int i = 0; i < h.length(); i++) {
      char c = h.charAt(i);
      if (c == '.') {
        if (labelLength == 0) {
          return false;
        }
        labelLength = 0;
      } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_') {
        if (++labelLength > 63) {
          return false;
        }
      } else {
        return false;
      }
    }
    return h.charAt(0) != '-' && h.charAt(h.length() - 1) != '-';
  }

  /** Hex groups and colons, optionally an embedded IPv4 tail and a %scope. */
  private static boolean isIpv6Literal(String h) {
    int percent = h.indexOf('%');
    String addr = percent >= 0 ? h.substring(0, percent) : h;
    if (percent >= 0 && percent == h.length() - 1) {
      return false;
    }
    if (addr.length() < 2 || addr.length() > 45) {
      return false;
    }
    int colons = 0;
    for (int i = 0; i < addr.length(); i++) {
      char c = addr.charAt(i);
      if (c == ':') {
        colons++;
      } else if (!(Character.digit(c, 16) >= 0 || c == '.')) {
        return false;
      }
    }
    return colons >= 2 && colons <= 7 && addr.indexOf(":::") < 0
        && addr.indexOf("::") == addr.lastIndexOf("::");
  }
}
