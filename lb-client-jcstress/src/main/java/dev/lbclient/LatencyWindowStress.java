package dev.lbclient;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * The hedging delay's latency window, recorded into by two threads at once. Each result is how
 * many of the two latencies the window holds afterwards.
 */
public final class LatencyWindowStress {
  private LatencyWindowStress() {}

  /** Nanoseconds per window half. */
  private static final long WINDOW = 1_000;

  /** A ticker that reads {@code now}. */
  abstract static class Base implements Ticker {
    volatile long now;
    final LatencyWindow window;

    Base(long start) {
      now = start;
      window = new LatencyWindow(this, WINDOW);
    }

    @Override
    public long read() {
      return now;
    }

    int held() {
      return window.percentileNanos(50, 2) >= 0 ? 2 : window.percentileNanos(50, 1) >= 0 ? 1 : 0;
    }
  }

  @JCStressTest
  @Outcome(id = "2", expect = ACCEPTABLE, desc = "both kept")
  @Outcome(expect = FORBIDDEN, desc = "a record lost within one window")
  @State
  public static class SameWindow extends Base {
    public SameWindow() {
      super(500);
    }

    @Actor
    public void first() {
      window.record(5_000_000);
    }

    @Actor
    public void second() {
      window.record(7_000_000);
    }

    @Arbiter
    public void arbiter(I_Result r) {
      r.r1 = held();
    }
  }

  @JCStressTest
  @Outcome(id = "2", expect = ACCEPTABLE, desc = "both kept")
  @Outcome(id = "1", expect = ACCEPTABLE_INTERESTING,
      desc = "one record landed while the other thread cleared its half for the new window, and"
          + " was cleared: the loss the class documents, which a percentile can afford")
  @Outcome(expect = FORBIDDEN, desc = "both lost")
  @State
  public static class WhileTheWindowMovesOn extends Base {
    public WhileTheWindowMovesOn() {
      super(500);
      now = 1_500; // the next window: the first record moves it on and clears its half
    }

    @Actor
    public void first() {
      window.record(5_000_000);
    }

    @Actor
    public void second() {
      window.record(7_000_000);
    }

    @Arbiter
    public void arbiter(I_Result r) {
      r.r1 = held();
    }
  }
}
