package dev.lbclient.okhttp;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.lbclient.Endpoint;
import java.time.Duration;
import okhttp3.Dns;
import org.jspecify.annotations.Nullable;

/**
 * One {@link EndpointDns} per (logical host, endpoint host, client {@code Dns}), so calls to an
 * endpoint reuse its pooled connections. Bounded: entries unused for longer than OkHttp's default
 * keep-alive (5 minutes) have no pooled connections left and may go; since {@link EndpointDns} has
 * value equality, one built again still matches any connection that outlived its entry.
 * Thread-safe.
 */
final class EndpointDnsCache {
  static final int MAX_ENTRIES = 4096;
  static final Duration IDLE = Duration.ofMinutes(10);

  private final Cache<Key, EndpointDns> cache =
      Caffeine.newBuilder().maximumSize(MAX_ENTRIES).expireAfterAccess(IDLE).build();

  EndpointDns get(String logicalHost, Endpoint endpoint, Dns delegate) {
    return cache.get(new Key(logicalHost, endpoint.host(), delegate),
        k -> new EndpointDns(logicalHost, endpoint, delegate));
  }

  long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  private static final class Key {
    private final String logicalHost;
    private final String endpointHost;
    private final Dns delegate;

    Key(String logicalHost, String endpointHost, Dns delegate) {
      this.logicalHost = logicalHost;
      this.endpointHost = endpointHost;
      this.delegate = delegate;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      if (!(o instanceof Key)) {
        return false;
      }
      Key k = (Key) o;
      return logicalHost.equals(k.logicalHost) && endpointHost.equals(k.endpointHost)
          && delegate.equals(k.delegate);
    }

    @Override
    public int hashCode() {
      return (logicalHost.hashCode() * 31 + endpointHost.hashCode()) * 31 + delegate.hashCode();
    }
  }
}
