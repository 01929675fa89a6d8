package dev.lbclient.lab;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lbclient.LoadReport;
import dev.lbclient.server.ServerLoadTracker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HTTP servers on 127.0.0.1 (ephemeral ports) that answer {@code GET /work} with a small body
 * after a simulated service time, as the simulation's servers do: {@code slots} workers behind a
 * FIFO queue, each service time drawn from the server's {@link ServiceTime} when a worker takes
 * the request, and a queued request older than the deadline (the clients' call timeout) dropped
 * with a 503 when it reaches the head of the queue (the client has given up on it).
 *
 * <p>No thread is blocked per request: the JDK server's dispatcher thread runs the handler, which
 * only queues the exchange; a shared {@link ScheduledThreadPoolExecutor} sends the response when
 * the service time has passed, with the exchange kept open meanwhile.
 *
 * <p>Each server reports its load in every response, as a server using lb-client-server does: a
 * {@link ServerLoadTracker} counts each request from its arrival to its response (in-flight,
 * latency, rate, errors), with the busy fraction of the server's workers over half-second windows
 * as its application utilization (the process's CPU is shared by every backend and the client
 * here, so it says nothing about one server), written as an {@code endpoint-load-metrics} header.
 */
final class SocketBackends implements AutoCloseable {
  static final byte[] BODY = "ok: a small body from the lab backend\n".getBytes(StandardCharsets.UTF_8);

  /** What one server looks like. */
  record Spec(String name, ServiceTime serviceTime, int slots) {}

  static {
    // The JDK server writes the headers and the body in two writes: with Nagle's algorithm on,
    // the body waits for the client's delayed ACK (about 40 ms on Linux). Read once, when the
    // server implementation's config class loads.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  /** The window a backend's reported utilization is measured over. */
  static final long UTILIZATION_WINDOW_NANOS = 500_000_000L;

  private final List<Backend> backends = new ArrayList<>();
  private final ScheduledThreadPoolExecutor timer;
  private final long deadlineNanos;

  /** Starts one server per spec; closes those already started if one fails. */
  SocketBackends(List<Spec> specs, long deadlineNanos, long seed) throws IOException {
    this.deadlineNanos = deadlineNanos;
    this.timer = new ScheduledThreadPoolExecutor(2, r -> {
      Thread t = new Thread(r, "lab-backend-timer");
      t.setDaemon(true);
      return t;
    });
    timer.setRemoveOnCancelPolicy(true);
    try {
      for (int i = 0; i < specs.size(); i++) {
        backends.add(new Backend(specs.get(i), seed * 1_000_003L + i));
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  List<Backend> backends() {
    return backends;
  }

  /** "127.0.0.1:port" of each server, in order. */
  List<String> addresses() {
    List<String> out = new ArrayList<>();
    for (Backend b : backends) {
      out.add("127.0.0.1:" + b.port());
    }
    return out;
  }

  /** Zeroes the per-server counters (between runs). */
  void resetCounters() {
    for (Backend b : backends) {
      b.served.set(0);
      b.dropped.set(0);
      b.received.set(0);
    }
  }

  /** Waits until no server has a request in service or queued, at most {@code timeoutMillis}. */
  boolean awaitIdle(long timeoutMillis) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (System.nanoTime() < end) {
      boolean idle = true;
      for (Backend b : backends) {
        idle &= b.isIdle();
      }
      if (idle) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  @Override
  public void close() {
    for (Backend b : backends) {
      b.server.stop(0);
    }
    timer.shutdownNow();
  }

  /** One server. */
  final class Backend {
    final Spec spec;
    final HttpServer server;
    final AtomicLong served = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong received = new AtomicLong();
    /** Requests {@link JsqOracle} sent here that have not arrived yet. */
    final AtomicInteger arriving = new AtomicInteger();
    /** Until this System.nanoTime() no response leaves: the server accepts, then stalls. */
    private volatile long stallUntilNanos = System.nanoTime();
    // Guarded by this.
    private final ArrayDeque<Job> queue = new ArrayDeque<>();
    private final SplittableRandom rng;
    private int busy;
    final ServerLoadTracker tracker;

    Backend(Spec spec, long seed) throws IOException {
      this.spec = spec;
      this.rng = new SplittableRandom(seed);
      this.tracker = ServerLoadTracker.builder()
          .applicationUtilization(this::busyFraction)
          .build();
      this.server = HttpServer.create(
          new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 1024);
      server.createContext("/work", this::accept);
      // Null executor: the server's own dispatcher thread runs the handler, which only queues.
      server.setExecutor(null);
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }

    /**
     * From {@code inNanos} from now, for {@code forNanos}, the server stalls: it still accepts
     * and reads requests but answers none (a process stopped with SIGSTOP, a full GC, a dead
     * disk); when the stall ends it answers what it holds, late.
     */
    void stall(long inNanos, long forNanos) {
      timer.schedule(() -> stallUntilNanos = System.nanoTime() + forNanos, inNanos,
          TimeUnit.NANOSECONDS);
    }

    // Busy worker-time, integrated, for the utilization the server reports. Guarded by this.
    private long busyIntegralNanos;
    private long lastBusyChangeNanos = System.nanoTime();
    private long windowStartNanos = lastBusyChangeNanos;
    private long windowStartIntegral;
    private double utilization;

    /** Counts {@code delta} more busy workers from now; under this. */
    private void busy(int delta) {
      long now = System.nanoTime();
      busyIntegralNanos += busy * (now - lastBusyChangeNanos);
      lastBusyChangeNanos = now;
      busy += delta;
    }

    /**
     * The busy fraction of the workers over the last whole half-second window, as a server
     * reports its CPU over an interval (a snapshot of busy workers would swing from call to call).
     */
    private synchronized double busyFraction() {
      busy(0);
      long elapsed = lastBusyChangeNanos - windowStartNanos;
      if (elapsed >= UTILIZATION_WINDOW_NANOS) {
        utilization = (busyIntegralNanos - windowStartIntegral) / (spec.slots() * (double) elapsed);
        windowStartNanos = lastBusyChangeNanos;
        windowStartIntegral = busyIntegralNanos;
      }
      return utilization;
    }

    /** Requests held (in service or queued) or on their way from the oracle. */
    synchronized int outstanding() {
      return busy + queue.size() + arriving.get();
    }

    synchronized boolean isIdle() {
      return busy == 0 && queue.isEmpty();
    }

    private void accept(HttpExchange exchange) throws IOException {
      try (InputStream in = exchange.getRequestBody()) {
        in.readAllBytes();
      }
      received.incrementAndGet();
      Job job = new Job(exchange, System.nanoTime(), tracker.begin());
      long serviceNanos;
      boolean fromOracle = exchange.getRequestHeaders().containsKey(JsqOracle.HEADER);
      synchronized (this) {
        if (fromOracle) {
          arriving.decrementAndGet(); // counted as held from here on
        }
        if (busy >= spec.slots()) {
          queue.addLast(job);
          return;
        }
        busy(1);
        serviceNanos = sample();
      }
      schedule(job, serviceNanos);
    }

    private long sample() {
      return spec.serviceTime().sampleNanos(rng.nextDouble(), rng.nextDouble());
    }

    private void schedule(Job job, long serviceNanos) {
      timer.schedule(() -> complete(job), serviceNanos, TimeUnit.NANOSECONDS);
    }

    private void complete(Job job) {
      long stalled = stallUntilNanos - System.nanoTime();
      if (stalled > 0) {
        timer.schedule(() -> complete(job), stalled, TimeUnit.NANOSECONDS);
        return;
      }
      respond(job, 200);
      served.incrementAndGet();
      List<Job> stale = null;
      Job next = null;
      long serviceNanos = 0;
      long now = System.nanoTime();
      synchronized (this) {
        busy(-1);
        Job j;
        while ((j = queue.pollFirst()) != null) {
          if (now - j.arrivedNanos >= deadlineNanos) {
            if (stale == null) {
              stale = new ArrayList<>();
            }
            stale.add(j);
            continue;
          }
          next = j;
          busy(1);
          serviceNanos = sample();
          break;
        }
      }
      if (stale != null) {
        for (Job s : stale) {
          dropped.incrementAndGet();
          respond(s, 503);
        }
      }
      if (next != null) {
        schedule(next, serviceNanos);
      }
    }

    private void respond(Job job, int status) {
      job.exchange.getResponseHeaders().set(LoadReport.HEADER, tracker.headerValue());
      tracker.end(job.trackerStart, status >= 500);
      SocketBackends.respond(job.exchange, status);
    }

    @Override
    public String toString() {
      return spec.name() + "@127.0.0.1:" + port() + " " + spec.serviceTime() + " x "
          + spec.slots() + " slots";
    }
  }

  private static void respond(HttpExchange exchange, int status) {
    try {
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(status, BODY.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(BODY);
      }
    } catch (IOException e) {
      // The client (or proxy) went away: nothing to do.
    } finally {
      exchange.close();
    }
  }

  private record Job(HttpExchange exchange, long arrivedNanos, long trackerStart) {}
}
