package dev.lbclient.lab;

import dev.lbclient.ZoneRouting;
import dev.lbclient.lab.Scenario.ServerSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The lab's scenarios. Every moment of a scenario (its length, when a server turns slow, when a
 * deploy step happens, how long a new server warms up) is multiplied by a time scale, so that a
 * smoke run replays the same story in a couple of seconds; latencies, timeouts and loads are not
 * scaled.
 *
 * <p>Defaults at scale 1 (10 clients in every scenario):
 *
 * <ul>
 *   <li><b>linkerd2016</b>: 11 servers, 25 slots each, lognormal service time (median 167 ms,
 *       sigma 0.5); 1000 rps (about 69% busy); 1 s timeout; 60 s; server 0 serves in a fixed 2 s
 *       from 15 s to 45 s. After Linkerd's "Beyond Round Robin" (2016).
 *   <li><b>linkerd2017</b> and <b>linkerd2017-retries</b>: 10 servers, 100 slots each, medians
 *       spread evenly from 0 (2 ms) to 2 s (lognormal, sigma 0.3); the five slowest also fail 10%
 *       to 50% of their calls (after their service time); 1000 rps; 3 s timeout; 60 s; without
 *       and with retries (default {@link dev.lbclient.RetryPolicy}: 3 attempts, 20% + 10/s
 *       budget per client).
 *   <li><b>slow-node</b>: 10 servers, 8 slots, lognormal (median 20 ms, sigma 0.5); server 0 is
 *       10x slower (median 200 ms) throughout; 60% of capacity (about 1930 rps); 1 s timeout;
 *       60 s.
 *   <li><b>heterogeneous</b>: 10 servers with 4, 4, 4, 8, 8, 8, 12, 12, 16, 16 slots (capacity 1x
 *       to 4x; endpoint weights 1 to 4, as an operator would set them), lognormal (median 20 ms,
 *       sigma 0.5); 70% of capacity (about 2840 rps); 1 s timeout; 60 s.
 *   <li><b>deploy-churn</b>: 10 servers, 16 slots, lognormal (median 30 ms, sigma 0.5); 60% of
 *       capacity (about 2820 rps); 1 s timeout; 60 s; a rolling deploy replaces server i at 5 +
 *       5i s by a new address that starts 3x slower and warms up over 15 s; the old one drains
 *       for 2 s, then shuts down; each client's list ({@code MutableEndpointSource}) learns of a
 *       step after a delay uniform in [0, 2.5 s], so some clients still call a server that is gone.
 *   <li><b>zone-outage</b>, <b>zone-outage-preferred</b> and <b>zone-outage-unaware</b>: three
 *       zones a, b, c with 4, 3 and 3 servers (16 slots, lognormal median 20 ms, sigma 0.5) and
 *       4, 3 and 3 of the 10 clients, so clients are spread as capacity is; 60% of capacity
 *       (about 4240 rps); 1 s timeout; 60 s. Zone b degrades: from 15 s one of its servers fails
 *       every call, from 25 s a second one too, from 40 s both are well again (the figures are
 *       also cut at 50 s, to show the recovery). The clients route
 *       with {@code zone(...)} (Envoy's zone-aware routing), with {@code ZoneRouting.preferred}
 *       (Spring Cloud's zone preference), or ignore zones; the lab reports the share of calls
 *       that cross zones over time.
 *   <li><b>load-ramp</b>: 10 servers, 16 slots, lognormal (sigma 0.5), seven with median 20 ms
 *       and three with 40 ms (weights not set); the offered load ramps linearly from 50% to 110%
 *       of capacity (past 100% at 50 s), after Prequal's figure 6; 1 s timeout; 60 s.
 *   <li><b>uniform-cpu</b>: a small CPU-bound fleet where every server is alike: 4 servers with
 *       2 workers each, lognormal (median 10 ms, sigma 0.2); 80% of capacity (about 620 rps); 1 s
 *       timeout; 60 s. Round robin is hard to beat here.
 *   <li><b>stall</b>: 10 servers, 16 slots, lognormal (median 20 ms, sigma 0.5); 60% of
 *       capacity (about 4240 rps); 3 s timeout; 60 s; server 0 stops answering from 20 s to 30 s
 *       (closing nothing: its calls hang until the timeout or the end of the stall).
 *   <li><b>noisy-neighbour</b>: 10 servers, 16 slots, lognormal (median 20 ms, sigma 0.5); 70% of
 *       capacity (about 3880 rps); 1 s timeout; 60 s; from 20 s server 0 shares its machine with a
 *       noisy neighbour: its service time doubles (its capacity halves), to the end. The servers
 *       report their load (utilization from their busy time, rates over half-second windows) with
 *       every response, for {@code weightedByLoadReports}.
 * </ul>
 */
final class Scenarios {
  static final List<String> NAMES = List.of("linkerd2016", "linkerd2017", "linkerd2017-retries",
      "slow-node", "heterogeneous", "deploy-churn", "zone-outage", "zone-outage-preferred",
      "zone-outage-unaware", "load-ramp", "uniform-cpu", "stall", "noisy-neighbour");

  /** Virtual length of every scenario at scale 1. */
  static final Duration DEFAULT_DURATION = Duration.ofSeconds(60);

  private Scenarios() {}

  /** The named scenario with its moments multiplied by {@code scale}. */
  static Scenario byName(String name, double scale) {
    if (!(scale > 0)) {
      throw new IllegalArgumentException("scale: " + scale + " (expected: > 0)");
    }
    switch (name) {
      case "linkerd2016":
        return linkerd2016(scale);
      case "linkerd2017":
        return linkerd2017(scale, false);
      case "linkerd2017-retries":
        return linkerd2017(scale, true);
      case "slow-node":
        return slowNode(scale);
      case "heterogeneous":
        return heterogeneous(scale);
      case "deploy-churn":
        return deployChurn(scale);
      case "zone-outage":
        return zoneOutage(scale, ZoneRouting.Mode.AWARE);
      case "zone-outage-preferred":
        return zoneOutage(scale, ZoneRouting.Mode.PREFERRED);
      case "zone-outage-unaware":
        return zoneOutage(scale, null);
      case "load-ramp":
        return loadRamp(scale);
      case "uniform-cpu":
        return uniformCpu(scale);
      case "stall":
        return stall(scale);
      case "noisy-neighbour":
        return noisyNeighbour(scale);
      default:
        throw new IllegalArgumentException("scenario: " + name + " (expected one of " + NAMES
            + ")");
    }
  }

  private static long at(double seconds, double scale) {
    return Math.round(seconds * scale * 1e9);
  }

  private static Duration scaled(double seconds, double scale) {
    return Duration.ofNanos(at(seconds, scale));
  }

  static Scenario linkerd2016(double scale) {
    ServiceTime normal = ServiceTime.lognormal(Duration.ofMillis(167), 0.5);
    Scenario.Builder b = Scenario.builder("linkerd2016",
        "11 servers, median 167 ms; server 0 at a fixed 2 s for the middle half; 1000 rps; 1 s"
            + " timeout");
    for (int i = 0; i < 11; i++) {
      b.server(new ServerSpec(25, normal));
    }
    return b.rps(1000)
        .duration(at(60, scale))
        .timeout(Duration.ofSeconds(1))
        .at(at(15, scale), "server 0 fixed at 2 s",
            c -> c.serviceTime(0, ServiceTime.fixed(Duration.ofSeconds(2))))
        .at(at(45, scale), "server 0 back to normal", c -> c.serviceTime(0, normal))
        .build();
  }

  static Scenario linkerd2017(double scale, boolean retries) {
    Scenario.Builder b = Scenario.builder(retries ? "linkerd2017-retries" : "linkerd2017",
        "10 servers, medians 0 to 2 s, the 5 slowest failing 10-50%; 1000 rps; 3 s timeout"
            + (retries ? "; retries" : "; no retries"));
    for (int i = 0; i < 10; i++) {
      long medianMillis = Math.max(2, Math.round(2000.0 * i / 9));
      double failure = i >= 5 ? (i - 4) * 0.1 : 0.0;
      b.server(new ServerSpec(100,
          ServiceTime.lognormal(Duration.ofMillis(medianMillis), 0.3), failure, 1));
    }
    return b.sameWorkloadAs("linkerd2017")
        .rps(1000)
        .duration(at(60, scale))
        .timeout(Duration.ofSeconds(3))
        .retries(retries)
        .build();
  }

  static Scenario slowNode(double scale) {
    Scenario.Builder b = Scenario.builder("slow-node",
        "10 servers, median 20 ms, server 0 10x slower; 60% of capacity; 1 s timeout");
    b.server(new ServerSpec(8, ServiceTime.lognormal(Duration.ofMillis(200), 0.5)));
    for (int i = 1; i < 10; i++) {
      b.server(new ServerSpec(8, ServiceTime.lognormal(Duration.ofMillis(20), 0.5)));
    }
    return b.utilization(0.6)
        .duration(at(60, scale))
        .timeout(Duration.ofSeconds(1))
        .build();
  }

  static Scenario heterogeneous(double scale) {
    Scenario.Builder b = Scenario.builder("heterogeneous",
        "10 servers of capacity 1x to 4x (weights set), median 20 ms; 70% of capacity; 1 s"
            + " timeout");
    int[] sizes = {1, 1, 1, 2, 2, 2, 3, 3, 4, 4};
    for (int size : sizes) {
      b.server(new ServerSpec(4 * size, ServiceTime.lognormal(Duration.ofMillis(20), 0.5), 0,
          size));
    }
    return b.utilization(0.7)
        .duration(at(60, scale))
        .timeout(Duration.ofSeconds(1))
        .build();
  }

  static Scenario deployChurn(double scale) {
    ServerSpec spec = new ServerSpec(16, ServiceTime.lognormal(Duration.ofMillis(30), 0.5));
    Scenario.Builder b = Scenario.builder("deploy-churn",
        "10 servers, median 30 ms, replaced one by one (cold 3x, 2 s drain, lists lag up to"
            + " 2.5 s); 60% of capacity; 1 s timeout");
    for (int i = 0; i < 10; i++) {
      b.server(spec);
    }
    for (int i = 0; i < 10; i++) {
      int slot = i;
      b.at(at(5 + 5 * i, scale), "replace server " + i,
          c -> c.replace(slot, spec, 3.0, scaled(15, scale), scaled(2, scale),
              scaled(2.5, scale)));
    }
    return b.utilization(0.6)
        .duration(at(60, scale))
        .timeout(Duration.ofSeconds(1))
        .build();
  }

  static Scenario zoneOutage(double scale, ZoneRouting.@Nullable Mode mode) {
    String name = mode == null ? "zone-outage-unaware"
        : mode == ZoneRouting.Mode.AWARE ? "zone-outage" : "zone-outage-preferred";
    String routing = mode == null ? "clients ignore zones"
        : mode == ZoneRouting.Mode.AWARE ? "zone-aware clients" : "zone-preferring clients";
    Scenario.Builder b = Scenario.builder(name,
        "zones a/b/c with 4/3/3 servers and clients, median 20 ms; in b one server fails from"
            + " 15 s, two from 25 s, none from 40 s; 60% of capacity; " + routing)
        .sameWorkloadAs("zone-outage");
    ServerSpec spec = new ServerSpec(16, ServiceTime.lognormal(Duration.ofMillis(20), 0.5));
    String[] zones = {"a", "a", "a", "a", "b", "b", "b", "c", "c", "c"};
    List<String> clients = new ArrayList<>();
    for (String z : zones) {
      b.server(spec.inZone(z));
      clients.add(z);
    }
    return b.clients(clients, mode)
        .utilization(0.6)
        .duration(at(60, scale))
        .timeout(Duration.ofSeconds(1))
        .at(at(15, scale), "server 4 (zone b) fails every call", c -> c.failureProbability(4, 1.0))
        .at(at(25, scale), "server 5 (zone b) fails every call", c -> c.failureProbability(5, 1.0))
        .at(at(40, scale), "zone b well again", c -> {
          c.failureProbability(4, 0.0);
          c.failureProbability(5, 0.0);
        })
        // Nothing changes: a phase boundary, so the figures show how long recovery takes.
        .at(at(50, scale), "(10 s after)", c -> { })
        .build();
  }

  static Scenario loadRamp(double scale) {
    Scenario.Builder b = Scenario.builder("load-ramp",
        "10 servers, median 20 ms (three at 40 ms, unweighted); load ramping from 50% to 110% of"
            + " capacity; 1 s timeout");
    for (int i = 0; i < 10; i++) {
      b.server(new ServerSpec(16, ServiceTime.lognormal(Duration.ofMillis(i < 3 ? 40 : 20), 0.5)));
    }
    return b.utilization(0.5).rampTo(1.1)
        .duration(at(60, scale))
        .timeout(Duration.ofSeconds(1))
        .build();
  }

  static Scenario uniformCpu(double scale) {
    Scenario.Builder b = Scenario.builder("uniform-cpu",
        "4 alike servers with 2 workers, median 10 ms (sigma 0.2); 80% of capacity; 1 s timeout");
    for (int i = 0; i < 4; i++) {
      b.server(new ServerSpec(2, ServiceTime.lognormal(Duration.ofMillis(10), 0.2)));
    }
    return b.utilization(0.8)
        .duration(at(60, scale))
        .timeout(Duration.ofSeconds(1))
        .build();
  }

  static Scenario stall(double scale) {
    Scenario.Builder b = Scenario.builder("stall",
        "10 servers, median 20 ms; server 0 stops answering from 20 s to 30 s; 60% of capacity;"
            + " 3 s timeout");
    for (int i = 0; i < 10; i++) {
      b.server(new ServerSpec(16, ServiceTime.lognormal(Duration.ofMillis(20), 0.5)));
    }
    return b.utilization(0.6)
        .duration(at(60, scale))
        .timeout(Duration.ofSeconds(3))
        .at(at(20, scale), "server 0 stalls", c -> c.stall(0, scaled(10, scale)))
        .at(at(30, scale), "server 0 answers again", c -> { })
        .build();
  }

  static Scenario noisyNeighbour(double scale) {
    Scenario.Builder b = Scenario.builder("noisy-neighbour",
        "10 servers, median 20 ms; from 20 s server 0 shares its machine (2x slower, half the"
            + " capacity); 70% of capacity; 1 s timeout");
    for (int i = 0; i < 10; i++) {
      b.server(new ServerSpec(16, ServiceTime.lognormal(Duration.ofMillis(20), 0.5)));
    }
    return b.utilization(0.7)
        .duration(at(60, scale))
        .timeout(Duration.ofSeconds(1))
        .at(at(20, scale), "server 0 shares its machine: 2x slower",
            c -> c.serviceTime(0, ServiceTime.lognormal(Duration.ofMillis(40), 0.5)))
        .build();
  }
}
