package dev.lbclient.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one pick, for every implementation in {@link Targets}, each beside its floor:
 * pickers alone ({@code lbclient.picker.*}, peers) beside {@code floor}, full leases ({@code
 * lbclient.*}) beside {@code floor.lease}.
 *
 * <p>One target is shared by all benchmark threads, as one load balancer is shared by a client's
 * threads; run with {@code -t 1} and {@code -t 2}, and {@code -prof gc} for bytes per pick. {@link
 * PickRunner} runs the standard profiles.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {
    "-Xms1g", "-Xmx1g", "-Djava.awt.headless=true",
    // Peers log their start-up at INFO; keep the JMH output readable.
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Threads(1)
public class PickBenchmark {

  @Param({
      "floor",
      "lbclient.picker.roundRobin", "lbclient.picker.weightedRoundRobin",
      "lbclient.picker.leastConnections", "lbclient.picker.leastTime",
      "lbclient.picker.powerOfTwoChoices", "lbclient.picker.consistentHash",
      "lbclient.picker.ipHash", "lbclient.picker.random",
      "proto.picker.roundRobinThreadLocal",
      "grpc.roundRobin",
      "armeria.roundRobin", "armeria.weightedRoundRobin", "armeria.weightedRandom",
      "ribbon.roundRobin", "ribbon.random", "ribbon.bestAvailable", "ribbon.weightedResponseTime",
      "spring.roundRobin", "spring.random", "spring.roundRobin.cached",
      "dubbo.roundRobin", "dubbo.random", "dubbo.leastActive", "dubbo.consistentHash",
      "floor.lease",
      "lbclient.roundRobin", "lbclient.weightedRoundRobin", "lbclient.leastConnections",
      "lbclient.leastTime", "lbclient.powerOfTwoChoices", "lbclient.consistentHash",
      "lbclient.ipHash", "lbclient.random", "lbclient.consistentHash.boundedLoad(1.25)",
      "lbclient.roundRobin.noBreakers",
      "proto.roundRobinThreadLocal"})
  public String impl;

  @Param({"10", "100", "1000"})
  public int endpoints;

  /** {@code equal}, {@code distinct} (1 + i % 10) or {@code ramp} (1..n); see {@link Workload}. */
  @Param({"equal", "distinct"})
  public String weights;

  private PickTarget target;

  /** Each thread's own sequence number, from which hashing targets take their keys. */
  @State(Scope.Thread)
  public static class Sequence {
    int next;
  }

  @Setup
  public void setUp() {
    target = Targets.create(impl, Workload.of(endpoints, weights));
    // Fail here, not in the measurement, if the target cannot pick.
    for (int i = 0; i < 1_000; i++) {
      if (target.pick(i) == null) {
        throw new IllegalStateException(impl + " picked nothing");
      }
    }
  }

  @TearDown
  public void tearDown() {
    target.close();
  }

  @Benchmark
  public Object pick(Sequence sequence) {
    return target.pick(sequence.next++);
  }
}
