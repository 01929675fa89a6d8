package dev.lbclient.lab;

import dev.lbclient.Endpoint;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A simulated server: {@code slots} workers behind one FIFO queue. A request's service time is
 * drawn when a worker takes it, from the server's distribution at that moment (times the warm-up
 * factor of a freshly started server). A queued request whose client has given up is discarded
 * when it reaches the head of the queue (deadline propagation); one already in service runs to
 * the end and holds its worker. Not thread-safe: one simulation thread owns it.
 */
final class Server {
  enum State { UP, DRAINING, DOWN }

  /** Position in the scenario's server list; a replacement takes over its predecessor's slot. */
  final int slot;
  final Endpoint endpoint;
  final int slots;
  ServiceTime serviceTime;
  double failureProbability;
  State state = State.UP;
  /** Until then the server answers nothing (see {@link Scenario.Cluster#stall}). */
  long stalledUntilNanos;
  /** Its own load, as it reports it to clients. */
  final LoadMeter meter;

  private final double coldFactor;
  private final long warmFromNanos;
  private final long warmUntilNanos;

  private int busy;
  private final ArrayDeque<SimRun.Attempt> queue = new ArrayDeque<>();
  /** Queued attempts whose client already gave up (skipped when they reach the head). */
  int abandonedQueued;
  private final List<SimRun.Attempt> inService = new ArrayList<>();

  Server(int slot, Endpoint endpoint, Scenario.ServerSpec spec, double coldFactor,
      long warmFromNanos, long warmUntilNanos) {
    this.slot = slot;
    this.endpoint = endpoint;
    this.slots = spec.slots();
    this.meter = new LoadMeter(spec.slots());
    this.serviceTime = spec.serviceTime();
    this.failureProbability = spec.failureProbability();
    this.coldFactor = coldFactor;
    this.warmFromNanos = warmFromNanos;
    this.warmUntilNanos = warmUntilNanos;
  }

  /** Service-time multiplier: coldFactor at start, falling linearly to 1 when warm. */
  double warmUpFactor(long now) {
    if (coldFactor == 1.0 || now >= warmUntilNanos) {
      return 1.0;
    }
    double left = (double) (warmUntilNanos - now) / (warmUntilNanos - warmFromNanos);
    return 1.0 + (coldFactor - 1.0) * Math.min(1.0, left);
  }

  /** Requests in the server: in service plus live ones waiting. */
  int jobs() {
    return busy + queue.size() - abandonedQueued;
  }

  /** The delay a new request should expect here: its service plus its wait for a worker. */
  double expectedDelayNanos(long now) {
    double mean = serviceTime.meanNanos() * warmUpFactor(now);
    int waitingAhead = Math.max(0, jobs() + 1 - slots);
    return mean * (1.0 + (double) waitingAhead / slots) + Math.max(0, stalledUntilNanos - now);
  }

  /** True when a new attempt would start at once rather than wait. */
  boolean hasFreeWorker() {
    return busy < slots;
  }

  void start(SimRun.Attempt a) {
    busy++;
    inService.add(a);
  }

  void enqueue(SimRun.Attempt a) {
    queue.add(a);
  }

  /** Frees the worker of a finished attempt. */
  void finished(SimRun.Attempt a) {
    busy--;
    inService.remove(a);
  }

  /** The next queued attempt whose client still waits, or null. */
  SimRun.Attempt nextQueued() {
    SimRun.Attempt next;
    while ((next = queue.poll()) != null) {
      if (next.abandoned) {
        abandonedQueued--;
        continue;
      }
      return next;
    }
    return null;
  }

  /** Takes everything the server holds, for a shutdown; it then holds nothing. */
  List<SimRun.Attempt> takeAll() {
    List<SimRun.Attempt> all = new ArrayList<>(inService);
    for (SimRun.Attempt a : queue) {
      if (!a.abandoned) {
        all.add(a);
      }
    }
    inService.clear();
    queue.clear();
    busy = 0;
    abandonedQueued = 0;
    return all;
  }

  @Override
  public String toString() {
    return endpoint.address() + "{" + state + ", busy=" + busy + "/" + slots + ", queued="
        + (queue.size() - abandonedQueued) + "}";
  }
}
