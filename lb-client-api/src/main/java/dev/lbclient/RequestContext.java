package dev.lbclient;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * What a strategy may know about one request: an affinity key for {@link
 * Strategy#consistentHash()} and a client address for {@link Strategy#ipHash()}. Strategies that
 * do not hash ignore it.
 *
 * <p>Instances are immutable and thread-safe; build one per request or keep one per key.
 */
public final class RequestContext {
  private static final RequestContext NONE = new RequestContext(null, null);

  private final @Nullable String key;
  private final @Nullable String clientAddress;

  private RequestContext(@Nullable String key, @Nullable String clientAddress) {
    this.key = key;
    this.clientAddress = clientAddress;
  }

  /** A context with no key: hashing strategies pick at random. */
  public static RequestContext none() {
    return NONE;
  }

  /** A context whose affinity key (a user id, a session id, a cache key) is {@code key}. */
  public static RequestContext withKey(String key) {
    return new RequestContext(requireNonNull(key, "key"), null);
  }

  /**
   * A context carrying the address of the client on whose behalf the call is made, as text (for
   * example {@code 203.0.113.7}); used by {@link Strategy#ipHash()}.
   */
  public static RequestContext withClientAddress(String clientAddress) {
    return new RequestContext(null, requireNonNull(clientAddress, "clientAddress"));
  }

  /** The affinity key, or {@code null}. */
  public @Nullable String key() {
    return key;
  }

  /** The client address, or {@code null}. */
  public @Nullable String clientAddress() {
    return clientAddress;
  }

  @Override
  public String toString() {
    return "RequestContext{key=" + key + ", clientAddress=" + clientAddress + '}';
  }
}
