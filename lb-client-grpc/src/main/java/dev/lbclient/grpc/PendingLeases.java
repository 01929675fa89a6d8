package dev.lbclient.grpc;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Leases picked but not yet claimed by a stream (see {@link CallLease}). Thread-safe: pickers
 * add from any thread; sweeps and {@link #close()} run on the synchronization context.
 */
final class PendingLeases {
  private final Set<CallLease> unclaimed = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /** Tracks a new lease; false, with the lease ended, once the policy has shut down. */
  boolean track(CallLease lease) {
    unclaimed.add(lease);
    if (closed) {
      unclaimed.remove(lease);
      lease.releaseUnclaimed();
      return false;
    }
    return true;
  }

  void claimed(CallLease lease) {
    unclaimed.remove(lease);
  }

  /** Ends the leases that were already unclaimed at the previous sweep. */
  void sweep() {
    for (CallLease lease : unclaimed) {
      if (!lease.swept) {
        lease.swept = true;
      } else if (unclaimed.remove(lease)) {
        lease.releaseUnclaimed();
      }
    }
  }

  void close() {
    closed = true;
    for (CallLease lease : unclaimed) {
      if (unclaimed.remove(lease)) {
        lease.releaseUnclaimed();
      }
    }
  }

  /** True once the policy has shut down. */
  boolean isClosed() {
    return closed;
  }

  int unclaimed() {
    return unclaimed.size();
  }
}
