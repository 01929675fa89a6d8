package dev.lbclient;

import static java.util.Objects.requireNonNull;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/** The {@link Pick} implementation: one CAS decides which completion reports. */
final class Lease implements Pick {
  private static final VarHandle DONE;
  private static final VarHandle LATENCY;

  static {
    try {
      DONE = MethodHandles.lookup().findVarHandle(Lease.class, "done", int.class);
      LATENCY = MethodHandles.lookup().findVarHandle(Lease.class, "latencyNanos", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The cause recorded for a lease closed without an outcome; shared, no stack trace. */
  static final Exception NO_OUTCOME = new LeaseClosedWithoutOutcomeException();

  private final Outcomes owner;
  private final EndpointState state;
  private final long startNanos;
  private final boolean permitted;
  private volatile int done;
  /** -1 until {@link #recordLatency()}. */
  private volatile long latencyNanos = -1;
  /** Set by the picking thread before the lease is handed out. */
  private @Nullable PickExplanation explanation;

  /** {@code permitted}: the lease holds a permission of the endpoint's circuit breaker. */
  Lease(Outcomes owner, EndpointState state, long startNanos, boolean permitted) {
    this.owner = owner;
    this.state = state;
    this.startNanos = startNanos;
    this.permitted = permitted;
  }

  boolean permitted() {
    return permitted;
  }

  @Override
  public Endpoint endpoint() {
    return state.endpoint();
  }

  @Override
  public @Nullable PickExplanation explanation() {
    return explanation;
  }

  void explanation(PickExplanation explanation) {
    this.explanation = explanation;
  }

  EndpointState state() {
    return state;
  }

  @Override
  public void recordLatency() {
    if (latencyNanos < 0) {
      LATENCY.compareAndSet(this, -1L, Math.max(0, owner.ticker().read() - startNanos));
    }
  }

  /** The start to report at completion: shifted so that now - start = the recorded latency. */
  private long start() {
    long fixed = latencyNanos;
    return fixed < 0 ? startNanos : owner.ticker().read() - fixed;
  }

  @Override
  public void reportLoad(LoadReport report) {
    state.report(requireNonNull(report, "report"), owner.ticker().read());
  }

  @Override
  public void success() {
    if (DONE.compareAndSet(this, 0, 1)) {
      owner.complete(state, start(), Outcomes.SUCCESS, null, permitted);
    }
  }

  @Override
  public void failure(Throwable cause) {
    requireNonNull(cause, "cause");
    if (DONE.compareAndSet(this, 0, 1)) {
      owner.complete(state, start(), Outcomes.FAILURE, cause, permitted);
    }
  }

  @Override
  public void cancel() {
    if (DONE.compareAndSet(this, 0, 1)) {
      owner.complete(state, startNanos, Outcomes.CANCELLED, null, permitted);
    }
  }

  /** Without an outcome, a failure: the usual reason is an exception thrown past the lease. */
  @Override
  public void close() {
    if (DONE.compareAndSet(this, 0, 1)) {
      owner.complete(state, start(), Outcomes.FAILURE, NO_OUTCOME, permitted);
    }
  }

  @Override
  public String toString() {
    return "Pick{" + state.endpoint() + (done == 0 ? ", open}" : ", done}");
  }
}

/** What a lease closed without {@code success()}, {@code failure(e)} or {@code cancel()} records. */
final class LeaseClosedWithoutOutcomeException extends Exception {
  private static final long serialVersionUID = 1L;

  LeaseClosedWithoutOutcomeException() {
    super("the lease was closed without an outcome (an exception was thrown past it, or neither "
        + "success() nor cancel() was called): counted as a failure", null, false, false);
  }
}
