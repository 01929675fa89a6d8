package dev.lbclient.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lbclient.LoadReport;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What the tracker measures, on a fake clock and a fake CPU reading. */
class ServerLoadTrackerTest {
  private final AtomicLong now = new AtomicLong(5_000_000_000L);
  private double cpu = 0.25;
  private final ServerLoadTracker tracker = ServerLoadTracker.builder().ticker(now::get)
      .cpuUtilization(() -> cpu).build();

  @Test
  void report_ratesLatencyInFlightAndCpu_overTheLastWindow() {
    long a = tracker.begin();
    long b = tracker.begin();
    long c = tracker.begin();
    now.addAndGet(10_000_000L);
    tracker.end(a, false);
    now.addAndGet(20_000_000L);
    tracker.end(b, true);
    cpu = 0.75;

    // the first window is still open: nothing measured yet but the in-flight count
    LoadReport early = tracker.report();
    assertThat(early.rpsFractional()).isZero();
    assertThat(early.inFlight()).isEqualTo(1);
    assertThat(early.cpuUtilization()).isEqualTo(0.25);

    now.addAndGet(970_000_000L); // one second after the start
    LoadReport r = tracker.report();

    assertThat(r.rpsFractional()).isEqualTo(2.0);
    assertThat(r.eps()).isEqualTo(1.0);
    assertThat(r.namedMetrics()).containsEntry("latency_ms", 20.0); // (10 + 30) / 2
    assertThat(r.inFlight()).isEqualTo(1);
    assertThat(r.cpuUtilization()).isEqualTo(0.75);
    assertThat(tracker.headerValue()).isEqualTo(
        "TEXT cpu_utilization:0.75,rps_fractional:2,eps:1,named_metrics.in_flight:1,"
            + "named_metrics.latency_ms:20");
    tracker.end(c, false);
    assertThat(tracker.inFlight()).isZero();
  }

  @Test
  void report_applicationUtilization_andBadCpuReadingsCountAsZero() {
    ServerLoadTracker t = ServerLoadTracker.builder().ticker(now::get)
        .cpuUtilization(() -> -1).applicationUtilization(() -> 0.6).build();

    LoadReport r = t.report();

    assertThat(r.cpuUtilization()).isZero();
    assertThat(r.applicationUtilization()).isEqualTo(0.6);
    assertThat(LoadReport.parse(t.headerValue())).contains(r);
  }

  @Test
  void create_readsTheJdkCpu() {
    LoadReport r = ServerLoadTracker.create().report();

    assertThat(r.cpuUtilization()).isBetween(0.0, 1.0);
    assertThat(r.inFlight()).isZero();
  }

  @Test
  void builder_settingsOnce() {
    assertThatThrownBy(() -> ServerLoadTracker.builder().ticker(now::get).ticker(now::get))
        .isInstanceOf(IllegalStateException.class).hasMessage("ticker was already set");
    assertThatThrownBy(() -> ServerLoadTracker.builder().cpuUtilization(null))
        .isInstanceOf(NullPointerException.class).hasMessage("cpu");
  }
}
