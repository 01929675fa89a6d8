package dev.lbclient.okhttp;

import static java.util.Objects.requireNonNull;

import dev.lbclient.Endpoint;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import okhttp3.Dns;
import org.jspecify.annotations.Nullable;

/**
 * Resolves one logical host name to one endpoint; every other name goes to the client's own
 * {@link Dns}. OkHttp's connection pool keys on the {@code Dns} of the address (by {@code
 * equals}), so one instance per endpoint gives each endpoint its own pooled connections while the
 * URL, and with it TLS SNI and hostname verification, keeps the logical name.
 *
 * <p>Other names are delegated because OkHttp resolves redirects below the application
 * interceptor with the same {@code Dns}: a redirect to a foreign host must reach that host, not
 * this endpoint.
 *
 * <p>An IP literal is parsed once, never looked up; a hostname is resolved by the client's {@code
 * Dns} on each lookup (OkHttp looks up only when it opens a connection). Equality covers the
 * logical host, the endpoint's host and the delegate, so an equal instance built again (after the
 * cache let one go) still shares the pool. Immutable and thread-safe.
 */
final class EndpointDns implements Dns {
  private final String logicalHost;
  private final String endpointHost;
  private final Dns delegate;
  private final @Nullable List<InetAddress> literal;

  EndpointDns(String logicalHost, Endpoint endpoint, Dns delegate) {
    this.logicalHost = logicalHost.toLowerCase(Locale.ROOT);
    this.endpointHost = endpoint.host();
    this.delegate = requireNonNull(delegate, "delegate");
    this.literal = parseLiteral(endpointHost);
  }

  @Override
  public List<InetAddress> lookup(String hostname) throws UnknownHostException {
    if (!logicalHost.equalsIgnoreCase(hostname)) {
      return delegate.lookup(hostname);
    }
    return literal != null ? literal : delegate.lookup(endpointHost);
  }

  /** The address of an IPv4 or IPv6 literal, or {@code null} for a hostname. No lookup is made. */
  static @Nullable List<InetAddress> parseLiteral(String host) {
    try {
      if (host.indexOf(':') >= 0) {
        // Endpoint admits only valid IPv6 literals; with a ':' getByName parses, never looks up.
        return List.of(InetAddress.getByName(host));
      }
      byte[] ipv4 = parseIpv4(host);
      return ipv4 == null ? null : List.of(InetAddress.getByAddress(host, ipv4));
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static byte @Nullable [] parseIpv4(String host) {
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
        return null;
      }
      int v = Integer.parseInt(p);
      if (v > 255) {
        return null;
      }
      bytes[i] = (byte) v;
    }
    return bytes;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof EndpointDns)) {
      return false;
    }
    EndpointDns that = (EndpointDns) o;
    return logicalHost.equals(that.logicalHost)
        && endpointHost.equals(that.endpointHost)
        && delegate.equals(that.delegate);
  }

  @Override
  public int hashCode() {
    return (logicalHost.hashCode() * 31 + endpointHost.hashCode()) * 31 + delegate.hashCode();
  }

  @Override
  public String toString() {
    return "EndpointDns{" + logicalHost + " -> " + endpointHost + '}';
  }
}
