package dev.lbclient.lab;

import static java.util.Objects.requireNonNull;

import dev.lbclient.ZoneRouting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One workload of the lab: the servers, the offered load, the client timeout, whether clients
 * retry, and the changes that happen to the servers while it runs. Immutable; the same scenario
 * is replayed for every strategy.
 */
final class Scenario {
  /** A server as it starts: worker slots (FIFO queue behind them), service time, failures. */
  record ServerSpec(int slots, ServiceTime serviceTime, double failureProbability, int weight,
      @Nullable String zone) {
    ServerSpec {
      requireNonNull(serviceTime, "serviceTime");
      if (slots < 1) {
        throw new IllegalArgumentException("slots: " + slots + " (expected: >= 1)");
      }
      if (!(failureProbability >= 0 && failureProbability <= 1)) {
        throw new IllegalArgumentException(
            "failureProbability: " + failureProbability + " (expected: 0..1)");
      }
    }

    ServerSpec(int slots, ServiceTime serviceTime, double failureProbability, int weight) {
      this(slots, serviceTime, failureProbability, weight, null);
    }

    ServerSpec(int slots, ServiceTime serviceTime) {
      this(slots, serviceTime, 0, 1);
    }

    /** The same server in {@code zone}. */
    ServerSpec inZone(String zone) {
      return new ServerSpec(slots, serviceTime, failureProbability, weight, zone);
    }

    /** Requests per second this server completes when every slot is busy. */
    double capacity() {
      return slots * 1e9 / serviceTime.meanNanos();
    }
  }

  /** A change applied at a moment of virtual time. */
  record Action(long atNanos, String what, Consumer<Cluster> apply) {}

  /** What an action may change. */
  interface Cluster {
    void serviceTime(int slot, ServiceTime serviceTime);

    void failureProbability(int slot, double probability);

    /**
     * A rolling-deploy step: a new server (new address) takes the slot, running {@code
     * coldFactor} times slower at first and warming up linearly over {@code warmUp}; the old one
     * keeps serving for {@code drain} and then shuts down (what it still holds fails, later
     * connections are refused). Each client's endpoint list learns of the change after its own
     * delay, uniform in [0, {@code maxPropagation}].
     */
    void replace(int slot, ServerSpec spec, double coldFactor, Duration warmUp, Duration drain,
        Duration maxPropagation);

    /**
     * The server stops answering for {@code length}, closing nothing (a process stopped with
     * SIGSTOP): calls keep arriving and queueing, and the answers due meanwhile are sent when it
     * ends, to clients that may have timed out.
     */
    void stall(int slot, Duration length);
  }

  final String name;
  /** Names the random streams of the workload: variants of one workload share it. */
  final String workload;
  final String description;
  final List<ServerSpec> servers;
  final double rps;
  /** The offered load at the end: the load ramps linearly from {@link #rps} to it. */
  final double rpsAtEnd;
  final long durationNanos;
  final long timeoutNanos;
  final boolean retries;
  final List<Action> actions;
  /** Client k's zone, for every client; empty when clients have none. */
  final List<String> clientZones;
  /** How the clients route by zone; null: they ignore zones (their zones are only measured). */
  final ZoneRouting.@Nullable Mode zoneMode;

  private Scenario(Builder b) {
    this.name = b.name;
    this.workload = b.workload;
    this.description = b.description;
    this.servers = List.copyOf(b.servers);
    this.rps = b.rps;
    this.rpsAtEnd = b.rampTo > 0 ? b.rps * b.rampTo / b.utilization : b.rps;
    this.durationNanos = b.durationNanos;
    this.timeoutNanos = b.timeoutNanos;
    this.retries = b.retries;
    List<Action> sorted = new ArrayList<>(b.actions);
    sorted.sort(Comparator.comparingLong(Action::atNanos)); // stable: equal times keep order
    this.actions = List.copyOf(sorted);
    this.clientZones = List.copyOf(b.clientZones);
    this.zoneMode = b.zoneMode;
  }

  static Builder builder(String name, String description) {
    return new Builder(name, description);
  }

  /** Requests per second the servers complete at full load, as they start. */
  double capacity() {
    double c = 0;
    for (ServerSpec s : servers) {
      c += s.capacity();
    }
    return c;
  }

  @Override
  public String toString() {
    return name;
  }

  static final class Builder {
    private final String name;
    private String workload;
    private final String description;
    private final List<ServerSpec> servers = new ArrayList<>();
    private double rps = -1;
    private double utilization = -1;
    private double rampTo = -1;
    private long durationNanos;
    private long timeoutNanos;
    private boolean retries;
    private final List<Action> actions = new ArrayList<>();
    private List<String> clientZones = List.of();
    private ZoneRouting.@Nullable Mode zoneMode;

    private Builder(String name, String description) {
      this.name = requireNonNull(name, "name");
      this.workload = name;
      this.description = requireNonNull(description, "description");
    }

    /** Draws arrivals, keys and request sizes as the named scenario does (default: its own). */
    Builder sameWorkloadAs(String scenario) {
      this.workload = requireNonNull(scenario, "scenario");
      return this;
    }

    Builder server(ServerSpec spec) {
      servers.add(requireNonNull(spec, "spec"));
      return this;
    }

    /** A fixed offered load, in requests per second over the whole client fleet. */
    Builder rps(double rps) {
      this.rps = rps;
      return this;
    }

    /** An offered load as a share of {@link Scenario#capacity()}. */
    Builder utilization(double utilization) {
      this.utilization = utilization;
      return this;
    }

    /** The load ramps linearly from {@link #utilization} at the start to this share at the end. */
    Builder rampTo(double utilization) {
      this.rampTo = utilization;
      return this;
    }

    Builder duration(long nanos) {
      this.durationNanos = nanos;
      return this;
    }

    Builder timeout(Duration timeout) {
      this.timeoutNanos = timeout.toNanos();
      return this;
    }

    Builder retries(boolean retries) {
      this.retries = retries;
      return this;
    }

    Builder at(long nanos, String what, Consumer<Cluster> apply) {
      actions.add(new Action(nanos, what, apply));
      return this;
    }

    /**
     * Puts client k in {@code zones.get(k)} (one per client), routing by zone with {@code mode}
     * ({@code LoadBalancer.Builder.zoneRouting}), or ignoring zones when it is null.
     */
    Builder clients(List<String> zones, ZoneRouting.@Nullable Mode mode) {
      this.clientZones = List.copyOf(zones);
      this.zoneMode = mode;
      return this;
    }

    Scenario build() {
      if (servers.isEmpty() || durationNanos <= 0 || timeoutNanos <= 0) {
        throw new IllegalStateException(name + ": servers, duration and timeout are required");
      }
      if (!clientZones.isEmpty() && clientZones.size() != SimRun.CLIENTS) {
        throw new IllegalStateException(name + ": one zone per client (" + SimRun.CLIENTS + ")");
      }
      if ((rps > 0) == (utilization > 0) || (rampTo > 0 && utilization <= 0)) {
        throw new IllegalStateException(name + ": exactly one of rps and utilization");
      }
      if (utilization > 0) {
        double capacity = 0;
        for (ServerSpec s : servers) {
          capacity += s.capacity();
        }
        rps = utilization * capacity;
      }
      return new Scenario(this);
    }
  }
}
