package dev.lbclient;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * {@link LoadBalancer#execute} with a {@link HedgingPolicy}: the call's attempts run on the
 * policy's executor while the calling thread waits for the first answer. After the delay, while no
 * answer came and attempts remain, another attempt goes to an endpoint not tried yet if the hedging
 * budget allows; if it does not, the call asks again later (at 4, 8, 16... delays: see {@link
 * Hedging#tryHedge(int)}). The first success (or error classified as not a failure) wins; every other attempt's
 * lease is cancelled and its thread interrupted. A failure with no other attempt outstanding is
 * retried as {@link RetryExecutor} would (the retry policy's attempts and budget, counted apart
 * from hedges). Thread-safe; the state of one call lives in one {@link Race}.
 */
final class HedgedExecutor {
  private static final Object HEDGE = new Object();

  private final LbConfig config;
  private final LoadBalancer lb;
  private final HedgeState state;
  private final RetryExecutor retries;
  private final Executor executor;

  HedgedExecutor(LbConfig config, LoadBalancer lb, HedgeState state, RetryExecutor retries) {
    this.config = config;
    this.lb = lb;
    this.state = state;
    this.retries = retries;
    Executor given = state.policy().executor();
    this.executor = given != null ? given : SharedPool.INSTANCE;
  }

  <T, X extends Exception> T execute(RequestContext context, EndpointCall<T, X> call) throws X {
    Race<T, X> race = new Race<>(context, call);
    Pick first = lb.pick(context);
    state.onRequest();
    race.scheduleHedge(); // before the first attempt runs, so its timer is set once it does
    if (!race.start(first)) {
      race.timer.run();
      first.cancel();
      return retries.execute(context, call);
    }
    retries.onRequest();
    return race.run();
  }

  /** One hedged call: its attempts and the calling thread's wait for them. */
  private final class Race<T, X extends Exception> {
    final RequestContext context;
    final EndpointCall<T, X> call;
    final BlockingQueue<Object> done = new LinkedBlockingQueue<>();
    final List<Attempt<T>> attempts = new ArrayList<>(2);
    final List<Endpoint> tried = new ArrayList<>(2);
    final List<Throwable> earlier = new ArrayList<>(0);
    int outstanding;
    int hedges;
    int retried;
    boolean hedging = true;
    /** Asks for the next hedge so far, and the time waited for it when the next ask comes. */
    int asks;
    long waitedNanos;
    Runnable timer = () -> {};

    Race(RequestContext context, EndpointCall<T, X> call) {
      this.context = context;
      this.call = call;
    }

    /** Runs an attempt on {@code pick}'s endpoint; false if the executor refused it. */
    boolean start(Pick pick) {
      Attempt<T> a = new Attempt<>(pick, call, done, config.ticker);
      try {
        executor.execute(a);
      } catch (RejectedExecutionException e) {
        return false;
      }
      attempts.add(a);
      tried.add(pick.endpoint());
      outstanding++;
      return true;
    }

    T run() throws X {
      try {
        while (true) {
          Object event;
          try {
            event = done.take();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancelAll(null);
            CancellationException c = new CancellationException(
                "interrupted while waiting for a hedged call to " + config.serviceName);
            c.initCause(e);
            throw c;
          }
          if (event == HEDGE) {
            hedge();
            continue;
          }
          @SuppressWarnings("unchecked")
          Attempt<T> a = (Attempt<T>) event;
          outstanding--;
          if (a.error == null) {
            state.recordLatency(a.latencyNanos);
            if (a.hedge) {
              state.onHedgeWon();
            }
            a.pick.success();
            cancelAll(a);
            return a.result;
          }
          Throwable error = a.error;
          if (error instanceof Error) {
            a.pick.cancel();
            cancelAll(a);
            throw (Error) error;
          }
          ExceptionClassifier.Verdict verdict = config.retryPolicy.classifier().classify(error);
          if (verdict == ExceptionClassifier.Verdict.NOT_A_FAILURE) {
            a.pick.success();
            cancelAll(a);
            throw RetryExecutor.<X>rethrow(error, earlier);
          }
          a.pick.failure(error);
          if (outstanding > 0) {
            earlier.add(error);
            continue;
          }
          if (verdict != ExceptionClassifier.Verdict.RETRYABLE_FAILURE || !retry(a, error)) {
            throw RetryExecutor.<X>rethrow(error, earlier);
          }
          earlier.add(error);
        }
      } finally {
        timer.run();
      }
    }

    /** After a failure with nothing outstanding: a retry, if the retry policy allows one. */
    private boolean retry(Attempt<T> failed, Throwable error) {
      RetryPolicy policy = config.retryPolicy;
      if (retried + 1 >= policy.maxAttempts()
          || !retries.tryRetry(failed.pick.endpoint(), retried + 1, error)) {
        return false;
      }
      retried++;
      long backoff = policy.backoffNanos(retried);
      try {
        if (backoff > 0) {
          config.sleeper.sleepNanos(backoff);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        error.addSuppressed(e);
        return false;
      }
      Pick pick;
      try {
        pick = lb.pick(context, tried);
      } catch (NoEndpointAvailableException e) {
        error.addSuppressed(e);
        return false;
      }
      if (!start(pick)) {
        pick.cancel();
        return false;
      }
      return true;
    }

    void scheduleHedge() {
      if (!hedging || hedges + 1 >= state.policy().maxAttempts()) {
        return;
      }
      long delay = state.delayNanos();
      if (delay < 0) {
        return;
      }
      asks = 0;
      waitedNanos = delay;
      timer = state.schedule(() -> done.add(HEDGE), delay);
    }

    /** The delay passed with no answer: a hedge to an endpoint not tried yet, if allowed. */
    private void hedge() {
      if (outstanding == 0 || !hedging) {
        return;
      }
      // The budget first: a refused ask leaves the picker alone. A hedge it allows may still find
      // every endpoint tried already, and that one allowance goes unused.
      if (!state.tryHedge(++asks)) { // the budget is spent: ask again later
        long next = Hedging.nextAskNanos(asks, waitedNanos);
        timer = state.schedule(() -> done.add(HEDGE), next - waitedNanos);
        waitedNanos = next;
        return;
      }
      Pick pick;
      try {
        pick = lb.pick(context, tried);
      } catch (NoEndpointAvailableException e) {
        hedging = false;
        return;
      }
      if (tried.contains(pick.endpoint())) { // every endpoint tried already: no hedge, ever
        pick.cancel();
        hedging = false;
        return;
      }
      if (!start(pick)) {
        pick.cancel();
        hedging = false;
        return;
      }
      attempts.get(attempts.size() - 1).hedge = true;
      hedges++;
      scheduleHedge();
    }

    /** Cancels every attempt but {@code winner}: its lease counts as cancelled. */
    private void cancelAll(@Nullable Attempt<T> winner) {
      for (Attempt<T> a : attempts) {
        if (a != winner) {
          a.cancel();
        }
      }
    }
  }

  /** One attempt on one endpoint, run on the executor; reports itself on the race's queue. */
  private static final class Attempt<T> implements Runnable {
    final Pick pick;
    final EndpointCall<T, ?> call;
    final BlockingQueue<Object> done;
    final Ticker ticker;
    @Nullable T result;
    @Nullable Throwable error;
    long latencyNanos;
    /** Sent as a hedge (not the first attempt, nor a retry). */
    boolean hedge;
    private @Nullable Thread runner;
    private boolean cancelled;
    private boolean finished;

    Attempt(Pick pick, EndpointCall<T, ?> call, BlockingQueue<Object> done, Ticker ticker) {
      this.pick = pick;
      this.call = call;
      this.done = done;
      this.ticker = ticker;
    }

    @Override
    public void run() {
      synchronized (this) {
        if (cancelled) {
          return;
        }
        runner = Thread.currentThread();
      }
      long start = ticker.read();
      try {
        result = call.call(pick.endpoint());
      } catch (Throwable e) {
        error = e;
      }
      latencyNanos = ticker.read() - start;
      synchronized (this) {
        runner = null;
        finished = true;
        Thread.interrupted(); // an interrupt meant for this attempt ends with it
      }
      done.add(this);
    }

    /** Gives up on this attempt: its lease is cancelled, its thread interrupted if running. */
    void cancel() {
      pick.cancel();
      synchronized (this) {
        if (finished || cancelled) {
          return;
        }
        cancelled = true;
        if (runner != null) {
          runner.interrupt();
        }
      }
    }
  }


  /** The default executor: at most 64 daemon threads, idle ones ended after 30 s. */
  private static final class SharedPool {
    static final Executor INSTANCE = create();

    private static Executor create() {
      AtomicInteger n = new AtomicInteger();
      return new ThreadPoolExecutor(0, HedgingPolicy.DEFAULT_MAX_THREADS, 30, TimeUnit.SECONDS,
          new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "lb-client-hedge-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
    }
  }
}
