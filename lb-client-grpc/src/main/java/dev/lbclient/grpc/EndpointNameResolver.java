package dev.lbclient.grpc;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import io.grpc.Attributes;
import io.grpc.ChannelLogger;
import io.grpc.ChannelLogger.ChannelLogLevel;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Feeds an {@link EndpointSource}'s snapshots into a channel: each endpoint becomes one address
 * group (every address its host resolves to, with the {@link Endpoint} as an attribute, so
 * weights and zones reach the policy), and each result carries the given attributes.
 *
 * <p>The source is started, and hostnames are resolved, on the channel's offload executor, never on
 * its synchronization context; results are delivered on the synchronization context, newest
 * snapshot last. A source error is reported as {@code UNAVAILABLE} and the channel keeps its last
 * addresses; {@link #refresh()} resolves the last snapshot again. Thread-safe as gRPC requires.
 */
final class EndpointNameResolver extends NameResolver {
  private final String authority;
  private final EndpointSource source;
  private final Attributes attributes;
  private final SynchronizationContext syncContext;
  private final Executor offload;
  private final ChannelLogger logger;
  private final AtomicLong snapshots = new AtomicLong();
  private volatile @Nullable List<Endpoint> latest;
  // On the synchronization context only.
  private @Nullable Listener2 listener;
  private EndpointSource.@Nullable Subscription subscription;
  private long delivered;
  private boolean shutdown;

  EndpointNameResolver(String authority, EndpointSource source, Attributes attributes,
      Args args) {
    this.authority = authority;
    this.source = source;
    this.attributes = attributes;
    this.syncContext = args.getSynchronizationContext();
    Executor executor = args.getOffloadExecutor();
    this.offload = executor != null ? executor : Runnable::run;
    this.logger = args.getChannelLogger();
  }

  @Override
  public String getServiceAuthority() {
    return authority;
  }

  @Override
  public void start(Listener2 listener) {
    this.listener = listener;
    offload.execute(() -> {
      EndpointSource.Subscription s = source.start(new SourceListener());
      syncContext.execute(() -> {
        if (shutdown) {
          s.close();
        } else {
          subscription = s;
        }
      });
    });
  }

  @Override
  public void refresh() {
    List<Endpoint> snapshot = latest;
    if (snapshot != null) {
      resolve(snapshot);
    }
  }

  @Override
  public void shutdown() {
    shutdown = true;
    if (subscription != null) {
      subscription.close();
      subscription = null;
    }
  }

  private void resolve(List<Endpoint> endpoints) {
    long sequence = snapshots.incrementAndGet();
    offload.execute(() -> {
      List<String> unresolved = new ArrayList<>(0);
      List<EquivalentAddressGroup> groups = AddressGroups.of(endpoints, unresolved);
      syncContext.execute(() -> deliver(sequence, endpoints, groups, unresolved));
    });
  }

  private void deliver(long sequence, List<Endpoint> endpoints,
      List<EquivalentAddressGroup> groups, List<String> unresolved) {
    if (shutdown || listener == null || sequence <= delivered) {
      return;
    }
    delivered = sequence;
    if (!unresolved.isEmpty()) {
      logger.log(ChannelLogLevel.WARNING, "lbclient: {0} left out: {1}", authority, unresolved);
    }
    if (groups.isEmpty()) {
      listener.onError(Status.UNAVAILABLE.withDescription("lbclient: no address for " + authority
          + " from " + source.description() + (endpoints.isEmpty() ? " (empty list)"
              : ": " + unresolved)));
      return;
    }
    listener.onResult2(ResolutionResult.newBuilder()
        .setAddressesOrError(StatusOr.fromValue(groups))
        .setAttributes(attributes)
        .build());
  }

  private final class SourceListener implements EndpointSource.Listener {
    @Override
    public void onEndpoints(List<Endpoint> endpoints) {
      latest = endpoints;
      resolve(endpoints);
    }

    @Override
    public void onError(String description, @Nullable Throwable cause) {
      syncContext.execute(() -> {
        if (!shutdown && listener != null) {
          listener.onError(Status.UNAVAILABLE.withDescription(description).withCause(cause));
        }
      });
    }
  }
}
