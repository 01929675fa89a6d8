package dev.lbclient.lab;

import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.HdrHistogram.Histogram;

/**
 * An open-loop load generator: Poisson arrivals at a target rate, each request sent at its
 * intended time with OkHttp's asynchronous {@code enqueue} whatever happened to earlier ones, and
 * its latency measured from that intended time to the end of its response body (so a generator
 * that falls behind, a GC pause or a full dispatcher shows up as latency: no coordinated
 * omission). Requests whose intended time falls in the warm-up are sent but not recorded.
 *
 * <p>Bounded: it sends no request after {@code warmup + duration} and at most {@code maxRequests},
 * then waits for the outstanding calls at most {@code drainMillis}, cancels whatever is left and
 * waits for the cancellations to be reported.
 */
final class OpenLoop {
  /** A request is "late" when it left more than this after its intended time. */
  static final long LATE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  /** What one run measured. */
  record Result(long requests, long successes, Histogram latencyMicros, long sent, long late,
      long unfinished, long wallMillis) {}

  private OpenLoop() {}

  static Result run(OkHttpClient client, Request request, double rps, long warmupNanos,
      long durationNanos, long seed, long maxRequests, long drainMillis)
      throws InterruptedException {
    Histogram histogram = new Histogram(1, 3_600_000_000L, 3);
    AtomicLong requests = new AtomicLong();
    AtomicLong successes = new AtomicLong();
    AtomicLong outstanding = new AtomicLong();
    SplittableRandom rng = new SplittableRandom(seed);
    long wallStart = System.nanoTime();
    long start = wallStart + TimeUnit.MILLISECONDS.toNanos(20);
    long end = warmupNanos + durationNanos;
    double meanGapNanos = 1e9 / rps;
    double t = 0;
    long sent = 0;
    long late = 0;
    while (sent < maxRequests) {
      t += -Math.log(1 - rng.nextDouble()) * meanGapNanos;
      if (t >= end) {
        break;
      }
      long intended = start + (long) t;
      long wait;
      while ((wait = intended - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      if (System.nanoTime() - intended > LATE_NANOS) {
        late++;
      }
      boolean measured = t >= warmupNanos;
      outstanding.incrementAndGet();
      sent++;
      client.newCall(request).enqueue(new Callback() {
        @Override
        public void onResponse(Call call, Response response) {
          boolean ok;
          try (Response r = response) {
            ResponseBody body = r.body();
            body.bytes();
            ok = r.code() == 200;
          } catch (IOException | RuntimeException e) {
            ok = false;
          }
          done(ok);
        }

        @Override
        public void onFailure(Call call, IOException e) {
          done(false);
        }

        private void done(boolean ok) {
          long micros = Math.max(1, (System.nanoTime() - intended) / 1000);
          if (measured) {
            synchronized (histogram) {
              histogram.recordValue(Math.min(micros, histogram.getHighestTrackableValue()));
            }
            requests.incrementAndGet();
            if (ok) {
              successes.incrementAndGet();
            }
          }
          outstanding.decrementAndGet();
        }
      });
    }
    long drainEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMillis);
    while (outstanding.get() > 0 && System.nanoTime() < drainEnd) {
      Thread.sleep(5);
    }
    long unfinished = outstanding.get();
    if (unfinished > 0) {
      client.dispatcher().cancelAll();
      long cancelEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (outstanding.get() > 0 && System.nanoTime() < cancelEnd) {
        Thread.sleep(5);
      }
    }
    Histogram copy;
    synchronized (histogram) {
      copy = histogram.copy();
    }
    return new Result(requests.get(), successes.get(), copy, sent, late, unfinished,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - wallStart));
  }
}
