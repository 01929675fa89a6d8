package dev.lbclient.lab;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import dev.lbclient.EndpointStats;
import dev.lbclient.Hedging;
import dev.lbclient.HedgingPolicy;
import dev.lbclient.LabAccess;
import dev.lbclient.LoadBalancer;
import dev.lbclient.LoadBalancerListener;
import dev.lbclient.MutableEndpointSource;
import dev.lbclient.NoEndpointAvailableException;
import dev.lbclient.Pick;
import dev.lbclient.RequestContext;
import dev.lbclient.RetryPolicy;
import dev.lbclient.Strategy;
import dev.lbclient.ZoneRouting;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * One deterministic run of one scenario with one contender: a discrete-event simulation on
 * virtual time of {@value #CLIENTS} clients, each with its own real {@link LoadBalancer}, calling
 * the scenario's servers.
 *
 * <p><b>Load.</b> Each client's requests arrive as a Poisson process (open loop: a request is sent
 * at its scheduled time whatever happened to the earlier ones, and its latency counts from that
 * time, so there is no coordinated omission). Arrival times, request keys and every request's
 * service-time and failure draws come from streams seeded by the scenario and the client alone,
 * so every contender faces the very same requests; only where they go differs.
 *
 * <p><b>Calls.</b> A request is dispatched with {@code lb.pick(context)} at its arrival; the
 * lease is completed with {@code success()} or {@code failure(...)} when the simulated answer
 * comes back, so in-flight counts, peak-EWMA, outlier detection and breakers all run on the
 * virtual clock. A request still unanswered at its timeout fails then (its lease with it). With
 * retries, a failed attempt is retried on another endpoint ({@code lb.pick(context, tried)})
 * after a full-jitter backoff from the policy, if attempts remain and {@code
 * lb.retryThrottle().tryRetry()} allows it; the timeout bounds the whole request. A hedged
 * contender also sends, after {@code lb.hedging().delayNanos()} without an answer, one more
 * attempt to an endpoint not tried yet if the hedging budget allows; the first answer wins and the
 * others are cancelled (a queued one leaves its queue, one in service still runs to its end).
 *
 * <p><b>Oracle.</b> The oracle skips the load balancer's picker and sends each attempt to the
 * server with the shortest expected delay, knowing every server's queue, workers and current
 * mean service time (join-the-shortest-queue, measured in time so that it stays the bound on
 * unequal servers). Its clients still hold a load balancer, for the retry budget only.
 *
 * <p>Not thread-safe; one run is one thread's work. Runs share nothing.
 */
final class SimRun implements Scenario.Cluster {
  static final int CLIENTS = 10;
  static final int LOAD_BUCKETS = 60;
  /** How long a client takes to learn that a server refused the connection. */
  private static final long REFUSED_NANOS = 1_000_000L;
  private static final int KEYS = 10_000;
  private static final double KEY_SKEW = 0.7;
  private static final RequestContext[] CONTEXTS = new RequestContext[KEYS];
  /** The same users as client addresses, for {@code ipHash}. */
  private static final RequestContext[] ADDRESS_CONTEXTS = new RequestContext[KEYS];
  private static final double[] KEY_CDF = new double[KEYS];

  static {
    // Request keys (users) with a mild Zipf skew: user k sends in proportion to k^-0.7. Hash
    // strategies key on the user id; ipHash on the user's address.
    double sum = 0;
    for (int k = 0; k < KEYS; k++) {
      sum += Math.pow(k + 1, -KEY_SKEW);
      KEY_CDF[k] = sum;
      CONTEXTS[k] = RequestContext.withKey("user-" + (k + 1));
      ADDRESS_CONTEXTS[k] = RequestContext.withClientAddress(
          "198.51." + ((k + 1) / 256) + "." + ((k + 1) % 256));
    }
    for (int k = 0; k < KEYS; k++) {
      KEY_CDF[k] /= sum;
    }
  }

  private static final IOException SERVER_ERROR = new SimulatedFailure("server error");
  private static final IOException REFUSED = new SimulatedFailure("connection refused");
  private static final IOException RESET = new SimulatedFailure("connection reset (shutdown)");
  private static final IOException TIMEOUT = new SimulatedFailure("timed out");

  private final Scenario scenario;
  private final Contender contender;
  private final VirtualClock clock = new VirtualClock();
  private final PriorityQueue<Event> events = new PriorityQueue<>();
  private long nextSeq;

  private final Server[] current;
  private final int[] generation;
  private final Map<String, Server> byAddress = new HashMap<>();
  private final Client[] clients = new Client[CLIENTS];
  private final SplittableRandom deployRandom;
  private final SplittableRandom oracleRandom;
  private final RetryPolicy retryPolicy;
  private final RequestContext[] contexts;
  private final double meanInterarrivalNanos;
  /** Servers report their load with each response (only a strategy that reads it is given it). */
  private final boolean reportsLoad;

  private final Histogram latencies = new Histogram(1, 3_600_000_000L, 3);
  private final long bucketNanos;
  private final long[][] load;
  /** The clients' zones, in order of first appearance; empty without zones. */
  private final List<String> zones = new ArrayList<>();
  /** Attempts per time bucket and client zone, and those that went to another zone. */
  private final long[][] zoneAttempts;
  private final long[][] crossZone;
  private long requests;
  private long successes;
  private long attempts;
  private long retries;
  private long noEndpoint;
  private long pending;
  private long ejections;
  private long breakerOpenings;
  private long panics;

  SimRun(Scenario scenario, Contender contender, long seed) {
    this.scenario = scenario;
    this.contender = contender;
    long scenarioSeed = mix(seed ^ mix(scenario.workload.hashCode()));
    this.deployRandom = new SplittableRandom(mix(scenarioSeed + 1));
    this.oracleRandom = new SplittableRandom(mix(scenarioSeed + 2));
    this.retryPolicy = scenario.retries ? RetryPolicy.defaults() : RetryPolicy.none();
    this.contexts = contender.strategy() == Strategy.ipHash() ? ADDRESS_CONTEXTS : CONTEXTS;
    this.meanInterarrivalNanos = 1e9 * CLIENTS / scenario.rps;
    this.reportsLoad = contender.strategy() == Strategy.weightedByLoadReports();
    this.bucketNanos = Math.max(1, scenario.durationNanos / LOAD_BUCKETS);
    this.load = new long[LOAD_BUCKETS][scenario.servers.size()];
    for (String z : scenario.clientZones) {
      if (!zones.contains(z)) {
        zones.add(z);
      }
    }
    this.zoneAttempts = new long[LOAD_BUCKETS][zones.size()];
    this.crossZone = new long[LOAD_BUCKETS][zones.size()];

    int n = scenario.servers.size();
    this.current = new Server[n];
    this.generation = new int[n];
    List<Endpoint> initial = new ArrayList<>(n);
    for (int slot = 0; slot < n; slot++) {
      Scenario.ServerSpec spec = scenario.servers.get(slot);
      Server s = new Server(slot, endpoint(slot, 0, spec), spec, 1.0, 0, 0);
      current[slot] = s;
      byAddress.put(s.endpoint.address(), s);
      initial.add(s.endpoint);
    }
    Strategy strategy = contender.isOracle() ? Strategy.roundRobin() : contender.strategy();
    LoadBalancerListener listener = new FaultCounter();
    for (int k = 0; k < CLIENTS; k++) {
      long clientSeed = mix(scenarioSeed + 1000 + k);
      MutableEndpointSource source = EndpointSource.mutable(initial.toArray(new Endpoint[0]));
      LoadBalancer.Builder b = LoadBalancer.builder("sim-" + k)
          .endpoints(source)
          .strategy(strategy)
          .ticker(clock)
          .retryPolicy(retryPolicy)
          .listener(listener);
      if (contender.hedged()) {
        b.hedging(HedgingPolicy.builder().delayPercentile(95).build());
      }
      LabAccess.seededRng(b, mix(clientSeed + 1));
      LabAccess.timer(b, this::scheduleTimer);
      String zone = scenario.clientZones.isEmpty() ? null : scenario.clientZones.get(k);
      if (zone != null && scenario.zoneMode != null) {
        b.zoneRouting(scenario.zoneMode == ZoneRouting.Mode.AWARE
            ? ZoneRouting.aware(zone) : ZoneRouting.preferred(zone));
      }
      clients[k] = new Client(b.build(), source, new ArrayList<>(initial),
          new SplittableRandom(mix(clientSeed + 2)), new SplittableRandom(mix(clientSeed + 3)),
          zone, zone == null ? -1 : zones.indexOf(zone));
    }
  }

  private static Endpoint endpoint(int slot, int generation, Scenario.ServerSpec spec) {
    Endpoint e = Endpoint.of("10." + (generation / 250) + "." + (generation % 250) + "."
        + (slot + 1), 8080).withWeight(spec.weight());
    return spec.zone() == null ? e : e.withZone(spec.zone());
  }

  /** Runs the scenario to the end: arrivals stop at its duration, then every request finishes. */
  RunResult run() {
    long wallStart = System.nanoTime();
    for (Client c : clients) {
      long first = interarrival(c);
      if (first < scenario.durationNanos) {
        schedule(first, () -> arrive(c));
      }
    }
    for (Scenario.Action action : scenario.actions) {
      if (action.atNanos() < scenario.durationNanos) {
        schedule(action.atNanos(), () -> action.apply().accept(this));
      }
    }
    Event e;
    while ((e = events.poll()) != null) {
      clock.advanceTo(e.at);
      e.action.run();
    }
    long pickersBuilt = 0;
    for (Client c : clients) {
      for (EndpointStats stats : c.lb.stats()) {
        if (stats.inFlight() != 0) {
          throw new IllegalStateException(scenario + "/" + contender.name() + ": a lease leaked: "
              + stats);
        }
      }
      pickersBuilt += LabAccess.pickersBuilt(c.lb);
      c.lb.close();
    }
    if (pending != 0) {
      throw new IllegalStateException(scenario + "/" + contender.name() + ": " + pending
          + " requests never finished");
    }
    return new RunResult(scenario.name, contender.name(), requests, successes, attempts, retries,
        noEndpoint, ejections, breakerOpenings, panics, pickersBuilt, latencies, load, bucketNanos,
        (System.nanoTime() - wallStart) / 1_000_000, List.copyOf(zones), zoneAttempts, crossZone);
  }

  // ------------------------------------------------------------------ requests

  /** An exponential gap at the offered load of this moment (a ramp changes slowly). */
  private long interarrival(Client c) {
    double mean = meanInterarrivalNanos;
    if (scenario.rpsAtEnd != scenario.rps) {
      double f = (double) clock.now() / scenario.durationNanos;
      mean = 1e9 * CLIENTS / (scenario.rps + (scenario.rpsAtEnd - scenario.rps) * f);
    }
    return Math.round(-mean * Math.log(1 - c.arrivals.nextDouble()));
  }

  private void arrive(Client c) {
    long now = clock.now();
    long requestSeed = c.arrivals.nextLong();
    RequestContext context = contexts[key(c.arrivals.nextDouble())];
    Request r = new Request(c, now, requestSeed, context);
    requests++;
    pending++;
    c.lb.retryThrottle().onRequest();
    schedule(now + scenario.timeoutNanos, () -> timeout(r));
    dispatch(r);
    Hedging hedging = c.lb.hedging();
    if (hedging != null) {
      hedging.onRequest();
      scheduleHedge(r, hedging);
    }
    long next = now + interarrival(c);
    if (next < scenario.durationNanos) {
      schedule(next, () -> arrive(c));
    }
  }

  private static int key(double u) {
    int lo = 0;
    int hi = KEYS - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (u < KEY_CDF[mid]) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  private void scheduleHedge(Request r, Hedging hedging) {
    long delay = hedging.delayNanos();
    if (delay >= 0 && r.attempts < hedging.policy().maxAttempts()) {
      schedule(clock.now() + delay, () -> hedge(r, hedging, 1, delay));
    }
  }

  /**
   * The hedge delay passed ({@code waited} since the last attempt, at the {@code ask}-th ask): one
   * more attempt, to an endpoint not tried yet, if the budget allows; else ask again later, when
   * the library's integrations would.
   */
  private void hedge(Request r, Hedging hedging, int ask, long waited) {
    if (r.done || r.live.isEmpty()) {
      return; // answered, or between a failure and its retry
    }
    if (!hedging.tryHedge(ask)) {
      long next = Hedging.nextAskNanos(ask, waited);
      schedule(clock.now() + next - waited, () -> hedge(r, hedging, ask + 1, next));
      return;
    }
    Pick pick;
    try {
      pick = r.client.lb.pick(r.context, r.tried);
    } catch (NoEndpointAvailableException e) {
      return;
    }
    if (r.tried.contains(pick.endpoint())) {
      pick.cancel();
      return;
    }
    send(r, pick, byAddress.get(pick.endpoint().address()), ++r.attempts);
    scheduleHedge(r, hedging);
  }

  private void dispatch(Request r) {
    if (r.done) {
      return;
    }
    int number = ++r.attempts;
    Server server;
    Pick pick = null;
    try {
      if (contender.isOracle()) {
        server = oracle(r.tried);
      } else {
        pick = r.tried.isEmpty()
            ? r.client.lb.pick(r.context)
            : r.client.lb.pick(r.context, r.tried);
        server = byAddress.get(pick.endpoint().address());
        if (server == null) {
          throw new IllegalStateException("picked an unknown endpoint: " + pick.endpoint());
        }
      }
    } catch (NoEndpointAvailableException e) {
      noEndpoint++;
      complete(r, false);
      return;
    }
    if (number > 1) {
      retries++;
    }
    send(r, pick, server, number);
  }

  private void send(Request r, @Nullable Pick pick, Server server, int number) {
    long now = clock.now();
    r.tried.add(server.endpoint);
    attempts++;
    int bucket = (int) (now / bucketNanos);
    if (bucket < LOAD_BUCKETS) {
      load[bucket][server.slot]++;
      int z = r.client.zoneIndex;
      if (z >= 0) {
        zoneAttempts[bucket][z]++;
        if (!r.client.zone.equals(server.endpoint.zone())) {
          crossZone[bucket][z]++;
        }
      }
    }
    Attempt a = new Attempt(r, server, pick, number, now);
    r.live.add(a);
    if (server.state == Server.State.DOWN) {
      schedule(now + REFUSED_NANOS, () -> outcome(a, REFUSED));
    } else if (server.hasFreeWorker()) {
      serve(server, a);
    } else {
      a.queued = true;
      server.enqueue(a);
    }
  }

  /** A worker of {@code server} takes {@code a}. */
  private void serve(Server server, Attempt a) {
    long now = clock.now();
    a.queued = false;
    server.start(a);
    long seed = a.request.seed;
    double size = server.serviceTime.sampleNanos(uniform(seed, a.number, 0),
        uniform(seed, a.number, 1));
    long service = Math.max(1, Math.round(size * server.warmUpFactor(now)));
    server.meter.busy(now, 1);
    boolean fails = uniform(seed, a.number, 2) < server.failureProbability;
    schedule(now + service, () -> served(server, a, fails));
  }

  private void served(Server server, Attempt a, boolean fails) {
    if (a.killed) {
      return; // its server shut down while it was in service; already answered
    }
    if (clock.now() < server.stalledUntilNanos) {
      schedule(server.stalledUntilNanos, () -> served(server, a, fails));
      return;
    }
    server.finished(a);
    server.meter.busy(clock.now(), -1);
    server.meter.completed(fails);
    if (reportsLoad && a.pick != null && !a.finished) {
      a.pick.reportLoad(server.meter.report(clock.now()));
    }
    outcome(a, fails ? SERVER_ERROR : null);
    Attempt next;
    while (server.hasFreeWorker() && (next = server.nextQueued()) != null) {
      serve(server, next);
    }
  }

  /** The answer to an attempt reaches its client: success when {@code failure} is null. */
  private void outcome(Attempt a, @Nullable IOException failure) {
    if (a.finished) {
      return; // the client gave up on it already
    }
    a.finished = true;
    Request r = a.request;
    r.live.remove(a);
    if (failure == null) {
      if (a.pick != null) {
        a.pick.success();
        Hedging hedging = r.client.lb.hedging();
        if (hedging != null) {
          hedging.recordLatency(clock.now() - a.start);
        }
      }
      for (Attempt loser : r.live) {
        loser.finished = true;
        if (loser.queued) {
          loser.abandoned = true;
          loser.server.abandonedQueued++;
        }
        if (loser.pick != null) {
          loser.pick.cancel();
        }
      }
      r.live.clear();
      complete(r, true);
      return;
    }
    if (a.pick != null) {
      a.pick.failure(failure);
    }
    if (!r.live.isEmpty()) {
      return; // a hedge is still out
    }
    if (r.attempts < retryPolicy.maxAttempts() && r.client.lb.retryThrottle().tryRetry()) {
      schedule(clock.now() + backoff(r.client.jitter, r.attempts), () -> dispatch(r));
    } else {
      complete(r, false);
    }
  }

  private void timeout(Request r) {
    if (r.done) {
      return;
    }
    for (Attempt a : r.live) {
      a.finished = true;
      if (a.queued) {
        a.abandoned = true;
        a.server.abandonedQueued++;
      }
      if (a.pick != null) {
        a.pick.failure(TIMEOUT);
      }
    }
    r.live.clear();
    complete(r, false);
  }

  private void complete(Request r, boolean ok) {
    r.done = true;
    pending--;
    if (ok) {
      successes++;
    }
    latencies.recordValue(Math.max(1, (clock.now() - r.arrival) / 1000));
  }

  /** Full-jitter exponential backoff with the policy's bounds, from a seeded generator. */
  private long backoff(SplittableRandom random, int retry) {
    long cap = retryPolicy.initialBackoff().toNanos();
    long max = retryPolicy.maxBackoff().toNanos();
    for (int i = 1; i < retry && cap < max; i++) {
      cap *= 2;
    }
    cap = Math.min(cap, max);
    return cap == 0 ? 0 : random.nextLong(cap + 1);
  }

  /** Shortest expected delay over the live servers, those not yet tried first. */
  private Server oracle(List<Endpoint> tried) {
    long now = clock.now();
    Server best = null;
    for (int pass = 0; pass < 2 && best == null; pass++) {
      double bestDelay = Double.POSITIVE_INFINITY;
      double bestUse = Double.POSITIVE_INFINITY;
      int ties = 0;
      for (Server s : current) {
        if (s.state != Server.State.UP || (pass == 0 && tried.contains(s.endpoint))) {
          continue;
        }
        double delay = s.expectedDelayNanos(now);
        double use = (double) s.jobs() / s.slots;
        int c = delay != bestDelay ? Double.compare(delay, bestDelay) : Double.compare(use, bestUse);
        if (c < 0) {
          best = s;
          bestDelay = delay;
          bestUse = use;
          ties = 1;
        } else if (c == 0 && oracleRandom.nextInt(++ties) == 0) {
          best = s;
        }
      }
    }
    if (best == null) {
      throw new IllegalStateException("no live server");
    }
    return best;
  }

  // ------------------------------------------------------------------ scenario actions

  @Override
  public void serviceTime(int slot, ServiceTime serviceTime) {
    current[slot].serviceTime = serviceTime;
  }

  @Override
  public void failureProbability(int slot, double probability) {
    current[slot].failureProbability = probability;
  }

  @Override
  public void replace(int slot, Scenario.ServerSpec spec, double coldFactor, Duration warmUp,
      Duration drain, Duration maxPropagation) {
    long now = clock.now();
    Server old = current[slot];
    Endpoint fresh = endpoint(slot, ++generation[slot], spec);
    Server next = new Server(slot, fresh, spec, coldFactor, now, now + warmUp.toNanos());
    current[slot] = next;
    byAddress.put(fresh.address(), next);
    old.state = Server.State.DRAINING;
    schedule(now + drain.toNanos(), () -> shutdown(old));
    long spread = maxPropagation.toNanos();
    for (Client c : clients) {
      long delay = spread == 0 ? 0 : deployRandom.nextLong(spread + 1);
      schedule(now + delay, () -> c.replaceInView(old.endpoint, fresh));
    }
  }

  @Override
  public void stall(int slot, Duration length) {
    current[slot].stalledUntilNanos = clock.now() + length.toNanos();
  }

  private void shutdown(Server server) {
    server.state = Server.State.DOWN;
    for (Attempt a : server.takeAll()) {
      a.killed = true;
      outcome(a, RESET);
    }
  }

  // ------------------------------------------------------------------ plumbing

  private void schedule(long at, Runnable action) {
    events.add(new Event(at, nextSeq++, action));
  }

  /** A load balancer's timed change, on the simulation's clock; the canceller drops it. */
  private Runnable scheduleTimer(long delayNanos, Runnable task) {
    long at = clock.now() + Math.max(0, delayNanos);
    if (at - scenario.durationNanos > scenario.timeoutNanos) {
      // Every request has its answer by then; a periodic rebuild (weights from load reports)
      // would otherwise keep the event queue from ever emptying.
      return () -> { };
    }
    boolean[] cancelled = new boolean[1];
    schedule(at, () -> {
      if (!cancelled[0]) {
        task.run();
      }
    });
    return () -> cancelled[0] = true;
  }

  /** A uniform in [0, 1) for draw {@code k} of attempt {@code attempt} of a request. */
  private static double uniform(long requestSeed, int attempt, int k) {
    long h = mix(requestSeed + attempt * 0x9E3779B97F4A7C15L + k * 0xD1B54A32D192ED03L);
    return (h >>> 11) * 0x1.0p-53;
  }

  /** SplitMix64's finalizer. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static final class Event implements Comparable<Event> {
    final long at;
    final long seq;
    final Runnable action;

    Event(long at, long seq, Runnable action) {
      this.at = at;
      this.seq = seq;
      this.action = action;
    }

    @Override
    public int compareTo(Event o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  private static final class Client {
    final LoadBalancer lb;
    final MutableEndpointSource source;
    /** This client's endpoint list, as its discovery last told it. */
    final List<Endpoint> view;
    final SplittableRandom arrivals;
    final SplittableRandom jitter;
    /** The client's zone and its index among the run's zones, or null and -1. */
    final @Nullable String zone;
    final int zoneIndex;

    Client(LoadBalancer lb, MutableEndpointSource source, List<Endpoint> view,
        SplittableRandom arrivals, SplittableRandom jitter, @Nullable String zone, int zoneIndex) {
      this.lb = lb;
      this.source = source;
      this.view = view;
      this.arrivals = arrivals;
      this.jitter = jitter;
      this.zone = zone;
      this.zoneIndex = zoneIndex;
    }

    void replaceInView(Endpoint old, Endpoint fresh) {
      int i = view.indexOf(old);
      if (i >= 0) {
        view.set(i, fresh);
      } else {
        view.add(fresh);
      }
      source.set(view);
    }
  }

  private static final class Request {
    final Client client;
    final long arrival;
    final long seed;
    final RequestContext context;
    final List<Endpoint> tried = new ArrayList<>(2);
    int attempts;
    /** Attempts sent and not answered: one, or more while hedges are out. */
    final List<Attempt> live = new ArrayList<>(2);
    boolean done;

    Request(Client client, long arrival, long seed, RequestContext context) {
      this.client = client;
      this.arrival = arrival;
      this.seed = seed;
      this.context = context;
    }
  }

  /** One attempt of a request at one server. */
  static final class Attempt {
    final Request request;
    final Server server;
    final @Nullable Pick pick;
    final int number;
    final long start;
    /** Waiting in the server's queue. */
    boolean queued;
    /** The client gave up while it was queued: the server drops it. */
    boolean abandoned;
    /** Its server shut down while holding it. */
    boolean killed;
    /** Its answer (or the timeout) reached the client. */
    boolean finished;

    Attempt(Request request, Server server, @Nullable Pick pick, int number, long start) {
      this.request = request;
      this.server = server;
      this.pick = pick;
      this.number = number;
      this.start = start;
    }
  }

  /** A simulated I/O failure: retryable by the default classifier, no stack trace. */
  private static final class SimulatedFailure extends IOException {
    SimulatedFailure(String message) {
      super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  private final class FaultCounter implements LoadBalancerListener {
    @Override
    public void onEjected(String service, Endpoint endpoint, Duration duration, String reason) {
      ejections++;
    }

    @Override
    public void onBreakerStateChanged(String service, Endpoint endpoint,
        CircuitBreaker.State from, CircuitBreaker.State to) {
      if (to == CircuitBreaker.State.OPEN) {
        breakerOpenings++;
      }
    }

    @Override
    public void onPanic(String service, boolean panic, int usable, int total) {
      if (panic) {
        panics++;
      }
    }
  }
}
