package dev.lbclient.bench;

import dev.lbclient.LbClientTargets;
import dev.lbclient.bench.peers.ArmeriaTargets;
import dev.lbclient.bench.peers.DubboTargets;
import dev.lbclient.bench.peers.GrpcTargets;
import dev.lbclient.bench.peers.RibbonTargets;
import dev.lbclient.bench.peers.SpringTargets;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every benchmarked implementation by name, {@code <owner>.<algorithm>}: {@code floor} and {@code
 * floor.lease}; {@code lbclient.picker.<strategy>} (picker alone) and {@code lbclient.<strategy>}
 * (full lease); {@code proto.*} (benchmark-only prototypes); {@code spring.*}, {@code ribbon.*},
 * {@code armeria.*}, {@code dubbo.*}, {@code grpc.*} (peers, through one adapter each).
 */
public final class Targets {
  private Targets() {}

  /** Our strategies, in the order of the design's table. */
  public static final List<String> STRATEGIES = List.of(
      "roundRobin", "weightedRoundRobin", "leastConnections", "leastTime", "powerOfTwoChoices",
      "consistentHash", "ipHash", "random");

  public static final List<String> PICKER_FLOORS = List.of("floor");
  public static final List<String> LEASE_FLOORS = List.of("floor.lease");
  public static final List<String> PICKERS =
      STRATEGIES.stream().map(s -> "lbclient.picker." + s).toList();
  public static final List<String> LEASES = Stream.concat(
      STRATEGIES.stream().map(s -> "lbclient." + s),
      Stream.of("lbclient.consistentHash.boundedLoad(1.25)", "lbclient.roundRobin.noBreakers"))
      .toList();
  public static final List<String> PROTOTYPES = List.of(
      "proto.picker.roundRobinThreadLocal",
      "proto.roundRobinThreadLocal");
  public static final List<String> PEERS = List.of(
      "grpc.roundRobin",
      "armeria.roundRobin", "armeria.weightedRoundRobin", "armeria.weightedRandom",
      "ribbon.roundRobin", "ribbon.random", "ribbon.bestAvailable", "ribbon.weightedResponseTime",
      "spring.roundRobin", "spring.random", "spring.roundRobin.cached",
      "dubbo.roundRobin", "dubbo.random", "dubbo.leastActive", "dubbo.consistentHash");

  /** Implementations whose choice depends on weights (worth a run with distinct weights). */
  public static final List<String> WEIGHT_AWARE = List.of(
      "lbclient.picker.weightedRoundRobin", "lbclient.picker.random",
      "lbclient.picker.consistentHash", "lbclient.weightedRoundRobin",
      "armeria.weightedRoundRobin", "armeria.weightedRandom",
      "dubbo.roundRobin", "dubbo.random", "ribbon.weightedResponseTime");

  public static List<String> all() {
    return Stream.of(PICKER_FLOORS, PICKERS, PROTOTYPES.subList(0, 1), PEERS, LEASE_FLOORS, LEASES,
            PROTOTYPES.subList(1, 2))
        .flatMap(List::stream)
        .toList();
  }

  /** Builds the named target over the workload. */
  public static PickTarget create(String impl, Workload w) {
    if (impl.equals("floor")) {
      return Floors.picker(w);
    }
    if (impl.equals("floor.lease")) {
      return Floors.lease(w);
    }
    int dot = impl.indexOf('.');
    if (dot < 0) {
      throw new IllegalArgumentException("impl: " + impl + " (expected one of " + all() + ")");
    }
    String owner = impl.substring(0, dot);
    String rest = impl.substring(dot + 1);
    return switch (owner) {
      case "lbclient", "proto" -> rest.startsWith("picker.")
          ? LbClientTargets.picker(rest.substring("picker.".length()), w)
          : LbClientTargets.lease(rest, w);
      case "spring" -> SpringTargets.create(rest, w);
      case "ribbon" -> RibbonTargets.create(rest, w);
      case "armeria" -> ArmeriaTargets.create(rest, w);
      case "dubbo" -> DubboTargets.create(rest, w);
      case "grpc" -> GrpcTargets.create(rest, w);
      default -> throw new IllegalArgumentException(
          "impl: " + impl + " (expected one of " + all() + ")");
    };
  }
}
