package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** The {@link Pick} implementation: one CAS decides which completion reports. */
final class Lease implements Pick {
  private static final VarHandle DONE;

  static {
    try {
      DONE = MethodHandles.lookup().findVarHandle(Lease.class, "done", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final DefaultLoadBalancer owner;
  private final EndpointState state;
  private final long startNanos;
  private volatile int done;

  Lease(DefaultLoadBalancer owner, EndpointState state, long startNanos) {
    this.owner = owner;
    this.state = state;
    this.startNanos = startNanos;
  }

  @Override
  public Endpoint endpoint() {
    return state.endpoint();
  }

  EndpointState state() {
    return state;
  }

  @Override
  public void success() {
    if (DONE.compareAndSet(this, 0, 1)) {
      owner.complete(state, startNanos, DefaultLoadBalancer.SUCCESS, null);
    }
  }

  @Override
  public void failure(Throwable cause) {
    requireNonNull(cause, "cause");
    if (DONE.compareAndSet(this, 0, 1)) {
      owner.complete(state, startNanos, DefaultLoadBalancer.FAILURE, cause);
    }
  }

  @Override
  public void close() {
    if (DONE.compareAndSet(this, 0, 1)) {
      owner.complete(state, startNanos, DefaultLoadBalancer.CANCELLED, null);
    }
  }

  @Override
  public String toString() {
    return "Pick{" + state.endpoint() + (done == 0 ? ", open}" : ", done}");
  }
}
