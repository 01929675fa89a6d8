package dev.lbclient.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.URI;
import org.jspecify.annotations.Nullable;

/** What the lb-client name resolvers share: one scheme each, always available, priority 5. */
abstract class SchemeResolverProvider extends NameResolverProvider {
  private final String scheme;

  SchemeResolverProvider(String scheme) {
    this.scheme = scheme;
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }

  @Override
  public String getDefaultScheme() {
    return scheme;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if the target is of this scheme but malformed; the channel
   *     builder's {@code build()} then throws it
   */
  @Override
  public final @Nullable NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    requireNonNull(targetUri, "targetUri");
    requireNonNull(args, "args");
    return scheme.equals(targetUri.getScheme()) ? resolver(targetUri, args) : null;
  }

  /** The resolver for a target of this scheme. */
  abstract NameResolver resolver(URI target, NameResolver.Args args);
}
