package dev.lbclient;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Two completions of one lease racing: exactly one reports, and in-flight returns to zero exactly
 * once. Each result is (successes, failures, inFlight). Two actors per test, so that they run on a
 * 2-CPU machine.
 */
public final class LeaseCompletionStress {
  private LeaseCompletionStress() {}

  private static final DefaultLoadBalancer OWNER = (DefaultLoadBalancer) LoadBalancer
      .builder("stress")
      .endpoints(EndpointSource.of("127.0.0.1:1"))
      .build();
  private static final RuntimeException FAILURE = new RuntimeException("stress");

  /** One lease on a fresh endpoint state, in flight. */
  abstract static class Base {
    final EndpointState state = new EndpointState(Endpoint.of("127.0.0.1", 1), 10_000);
    final Lease lease;

    Base() {
      state.acquire(0L);
      lease = new Lease(OWNER.outcomes(), state, 0L, true);
    }

    void observe(III_Result r) {
      r.r1 = (int) state.successes();
      r.r2 = (int) state.failures();
      r.r3 = state.inFlight();
    }
  }

  @JCStressTest
  @Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "success() won")
  @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "failure() won")
  @Outcome(expect = FORBIDDEN, desc = "reported twice, or in-flight lost or doubled")
  @State
  public static class SuccessVsFailure extends Base {
    @Arbiter
    public void arbiter(III_Result r) {
      observe(r);
    }

    @Actor
    public void succeed() {
      lease.success();
    }

    @Actor
    public void fail() {
      lease.failure(FAILURE);
    }
  }

  @JCStressTest
  @Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "success() won")
  @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "cancel() won")
  @Outcome(expect = FORBIDDEN, desc = "reported twice, or in-flight lost or doubled")
  @State
  public static class SuccessVsCancel extends Base {
    @Arbiter
    public void arbiter(III_Result r) {
      observe(r);
    }

    @Actor
    public void succeed() {
      lease.success();
    }

    @Actor
    public void cancel() {
      lease.cancel();
    }
  }

  @JCStressTest
  @Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "success() won")
  @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "close() won: no outcome, a failure")
  @Outcome(expect = FORBIDDEN, desc = "reported twice, or in-flight lost or doubled")
  @State
  public static class SuccessVsClose extends Base {
    @Arbiter
    public void arbiter(III_Result r) {
      observe(r);
    }

    @Actor
    public void succeed() {
      lease.success();
    }

    @Actor
    public void close() {
      lease.close();
    }
  }

  @JCStressTest
  @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "failure() won")
  @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "cancel() won")
  @Outcome(expect = FORBIDDEN, desc = "reported twice, or in-flight lost or doubled")
  @State
  public static class FailureVsCancel extends Base {
    @Arbiter
    public void arbiter(III_Result r) {
      observe(r);
    }

    @Actor
    public void fail() {
      lease.failure(FAILURE);
    }

    @Actor
    public void cancel() {
      lease.cancel();
    }
  }
}
