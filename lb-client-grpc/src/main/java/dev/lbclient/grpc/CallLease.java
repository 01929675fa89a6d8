package dev.lbclient.grpc;

import dev.lbclient.Pick;
import io.grpc.ClientStreamTracer;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * One pick's lease on its way through gRPC, and the factory of the stream tracer that completes
 * it.
 *
 * <p><b>Where the lease ends, in every path.</b>
 *
 * <ul>
 *   <li>The stream starts: gRPC calls {@link #newClientStreamTracer} on the picking thread right
 *       after the pick; the tracer ends the lease at {@code streamClosed}, with the outcome of the
 *       status.
 *   <li>The pick is thrown away: gRPC found no transport on the subchannel (it just lost its
 *       connection) and picks again with the next picker, so no tracer is ever made. The policy's
 *       sweep ends such leases as cancelled: a lease that is still unclaimed at two sweeps in a
 *       row (one to two seconds after its pick) was dropped, since claiming happens on the picking
 *       thread microseconds after the pick.
 *   <li>The policy shuts down: unclaimed leases are ended at once; started streams end as their
 *       transports close them.
 *   <li>Known gap, in gRPC 1.85: when a call buffered by the channel is cancelled while the channel
 *       is creating its real stream, gRPC makes the stream (and so the tracer) and then abandons
 *       it without starting or closing it ({@code DelayedStream.setStream} finds the call already
 *       cancelled). That lease stays open: nothing tells a stream that will never start from one
 *       that waits for a free HTTP/2 stream slot. The race needs a cancellation within
 *       microseconds of a pick.
 * </ul>
 *
 * One CAS on {@link #state} decides between the tracer and the sweep, and the core's lease reports
 * at most once whatever happens, so a lease is ended exactly once.
 *
 * <p>Thread-safe.
 */
final class CallLease extends ClientStreamTracer.Factory {
  private static final int PICKED = 0;
  private static final int STARTED = 1;
  private static final int DONE = 2;
  private static final VarHandle STATE;
  private static final ClientStreamTracer NOOP = new ClientStreamTracer() {};

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(CallLease.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Pick pick;
  private final boolean deadlineExceededIsFailure;
  private final PendingLeases leases;
  private volatile int state = PICKED;
  /** Seen by one sweep already; read and written only by sweeps, which are serialized. */
  boolean swept;

  CallLease(Pick pick, boolean deadlineExceededIsFailure, PendingLeases leases) {
    this.pick = pick;
    this.deadlineExceededIsFailure = deadlineExceededIsFailure;
    this.leases = leases;
  }

  @Override
  public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info,
      Metadata headers) {
    if (!STATE.compareAndSet(this, PICKED, STARTED)) {
      return NOOP; // swept (or a second stream for one pick, which gRPC does not do)
    }
    leases.claimed(this);
    // Captured on the calling thread, where gRPC attaches the call's context.
    Deadline deadline = info.getCallOptions().getDeadline();
    Deadline inherited = Context.current().getDeadline();
    if (inherited != null) {
      deadline = deadline == null ? inherited : deadline.minimum(inherited);
    }
    return new Tracer(deadline);
  }

  /** Ends the lease as cancelled if no stream claimed it; true if this call ended it. */
  boolean releaseUnclaimed() {
    if (STATE.compareAndSet(this, PICKED, DONE)) {
      pick.cancel();
      return true;
    }
    return false;
  }

  Pick pick() {
    return pick;
  }

  /**
   * Reports a closed stream's status to the lease; see {@link GrpcLoadBalancing}. Two statuses
   * are not what they seem. With gRPC retries enabled (the default) every attempt runs inside a
   * retriable stream, and when the call's deadline passes the attempt is closed with {@code
   * CANCELLED} ("Stream thrown away because RetriableStream committed"), not {@code
   * DEADLINE_EXCEEDED}: so a {@code CANCELLED} attempt whose deadline has passed counts as a
   * deadline exceeded. And {@code shutdownNow()} closes streams with {@code UNAVAILABLE}: once the
   * channel has shut this policy down, {@code UNAVAILABLE} ends the lease as cancelled rather
   * than blame the server.
   */
  void complete(Status status, @Nullable Deadline deadline) {
    if (!STATE.compareAndSet(this, STARTED, DONE)) {
      return;
    }
    Status.Code code = status.getCode();
    if (code == Status.Code.CANCELLED && deadline != null && deadline.isExpired()) {
      code = Status.Code.DEADLINE_EXCEEDED;
    }
    switch (code) {
      case OK:
        pick.success();
        break;
      case CANCELLED:
        pick.cancel();
        break;
      case UNAVAILABLE:
        if (leases.isClosed()) {
          pick.cancel();
        } else {
          pick.failure(status.asException());
        }
        break;
      case RESOURCE_EXHAUSTED:
        pick.failure(status.asException());
        break;
      case DEADLINE_EXCEEDED:
        if (deadlineExceededIsFailure) {
          pick.failure((code == status.getCode() ? status
              : Status.DEADLINE_EXCEEDED.withDescription("the call's deadline passed"))
              .asException());
        } else {
          pick.success();
        }
        break;
      default:
        pick.success(); // the server answered; the error is the application's
        break;
    }
  }

  @Override
  public String toString() {
    return "CallLease{" + pick + ", state=" + state + '}';
  }

  private final class Tracer extends ClientStreamTracer {
    private final @Nullable Deadline deadline;

    Tracer(@Nullable Deadline deadline) {
      this.deadline = deadline;
    }

    @Override
    public void inboundHeaders() {
      pick.recordLatency();
    }

    @Override
    public void inboundTrailers(Metadata trailers) {
      ServerLoad.report(trailers, pick);
    }

    @Override
    public void streamClosed(Status status) {
      complete(status, deadline);
    }
  }
}
