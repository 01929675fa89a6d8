package dev.lbclient.okhttp;

import dev.lbclient.Endpoint;
import dev.lbclient.Hedging;
import dev.lbclient.LoadBalancer;
import dev.lbclient.NoEndpointAvailableException;
import dev.lbclient.Pick;
import dev.lbclient.RequestContext;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.UnknownServiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.EventListener;
import okhttp3.Interceptor;
import okhttp3.Response;
import okio.Timeout;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One hedged call: each attempt is a clone of the caller's call, assigned a lease on one endpoint
 * (the interceptor sends an assigned clone there, once, without picking). The first attempt runs
 * on the calling thread; after the {@link Hedging#delayNanos() delay} without an answer a hedge,
 * to an endpoint not tried yet, is enqueued on the client's dispatcher, while attempts and the
 * hedging budget allow and the call's deadline has not passed; a hedge the budget refuses is asked
 * for again later (see {@link Hedging#tryHedge(int)}). The first response wins; the other
 * clones are cancelled, which counts their leases as cancelled. A failure with no attempt left
 * outstanding is retried as {@link BalancedCall} would (retry policy and budget). Every clone's
 * deadline is the caller's, and cancelling the caller's call cancels them all.
 *
 * <p>Thread-safe: the calling thread, the timer and dispatcher threads meet under this object's
 * lock, which no I/O is done under.
 */
final class HedgedCall extends EventListener {
  private static final Logger log = LoggerFactory.getLogger(LoadBalancingInterceptor.class);

  private final Interceptor.Chain chain;
  private final LoadBalancer lb;
  private final Hedging hedging;
  private final String host;
  private final Map<Call, Pick> assigned;
  private final Call call;
  private final RequestContext context;
  private final boolean hasDeadline;
  private final long deadlineNanos;
  private final long timeoutSlackNanos;

  private final List<Attempt> attempts = new ArrayList<>(2);
  private final List<Endpoint> tried = new ArrayList<>(2);
  private final List<IOException> errors = new ArrayList<>(0);
  private int outstanding;
  private int retries;
  private @Nullable Attempt winner;
  private boolean cancelled;
  private Runnable timer = () -> {};
  /** Asks for the next hedge so far, and the time waited for it when the next ask comes. */
  private int asks;
  private long waitedNanos;

  HedgedCall(Interceptor.Chain chain, LoadBalancer lb, Hedging hedging, String host,
      Map<Call, Pick> assigned) {
    this.chain = chain;
    this.lb = lb;
    this.hedging = hedging;
    this.host = host;
    this.assigned = assigned;
    this.call = chain.call();
    RequestContext ctx = chain.request().tag(RequestContext.class);
    this.context = ctx != null ? ctx : RequestContext.none();
    long now = System.nanoTime();
    Timeout timeout = call.timeout();
    long deadline = timeout.timeoutNanos() > 0 ? now + timeout.timeoutNanos() : 0;
    boolean has = timeout.timeoutNanos() > 0;
    if (timeout.hasDeadline() && (!has || timeout.deadlineNanoTime() - deadline < 0)) {
      deadline = timeout.deadlineNanoTime();
      has = true;
    }
    this.hasDeadline = has;
    this.deadlineNanos = deadline;
    this.timeoutSlackNanos = timeout.timeoutNanos() > 0
        ? Math.min(BalancedCall.TIMEOUT_SLACK_NANOS, timeout.timeoutNanos() / 4)
        : BalancedCall.TIMEOUT_SLACK_NANOS;
  }

  /** One attempt: a clone of the call, its lease and when it started. */
  private static final class Attempt {
    final Call call;
    final Pick pick;
    final long startNanos = System.nanoTime();
    @Nullable Response response;
    /** Sent as a hedge (not the first attempt, nor a retry); under the call's lock. */
    boolean hedge;

    Attempt(Call call, Pick pick) {
      this.call = call;
      this.pick = pick;
    }
  }

  Response run() throws IOException {
    hedging.onRequest();
    lb.retryThrottle().onRequest();
    call.addEventListener(this);
    Pick pick = pick();
    try {
      while (true) {
        Attempt a = start(pick);
        scheduleHedge();
        Response response;
        try {
          response = a.call.execute();
        } catch (IOException e) {
          finished(a, null, e);
          response = null;
        }
        if (response != null) {
          finished(a, response, null);
        }
        Attempt won = awaitOutcome();
        if (won != null) {
          return won.response;
        }
        IOException last = errors.get(errors.size() - 1);
        pick = retryPick(last);
        if (pick == null) {
          throw finish(last);
        }
      }
    } finally {
      // A clone that never ran keeps its (cancelled) lease in the weak map until collected, so
      // that if the dispatcher still runs it, it fails as cancelled instead of being hedged anew.
      synchronized (this) {
        timer.run();
      }
    }
  }

  private Pick pick() throws IOException {
    try {
      return tried.isEmpty() ? lb.pick(context) : lb.pick(context, tried);
    } catch (NoEndpointAvailableException | IllegalStateException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /** A clone of the call assigned to {@code pick}, within the call's deadline. */
  private synchronized Attempt start(Pick pick) {
    Call clone = call.clone();
    if (hasDeadline) {
      clone.timeout().deadlineNanoTime(deadlineNanos);
    }
    assigned.put(clone, pick);
    Attempt a = new Attempt(clone, pick);
    attempts.add(a);
    tried.add(pick.endpoint());
    outstanding++;
    if (cancelled) {
      clone.cancel();
    }
    return a;
  }

  private synchronized void scheduleHedge() {
    timer.run();
    if (winner != null || attempts.size() >= hedging.policy().maxAttempts()) {
      return;
    }
    long delay = hedging.delayNanos();
    asks = 0;
    waitedNanos = delay;
    askAfter(delay);
  }

  /** Asks for a hedge after {@code delay}, unless that is past the call's deadline. */
  private synchronized void askAfter(long delay) {
    if (delay < 0 || (hasDeadline && deadlineNanos - System.nanoTime() <= delay)) {
      return; // no delay known yet, or the hedge would start past the call's deadline
    }
    timer = hedging.schedule(this::hedge, delay);
  }

  /** On the timer: the delay passed without an answer. */
  private void hedge() {
    Attempt a;
    synchronized (this) {
      if (winner != null || outstanding == 0 || cancelled
          || (hasDeadline && deadlineNanos - System.nanoTime() <= 0)) {
        return;
      }
      // The budget first: a refused ask leaves the picker alone (see HedgedExecutor).
      if (!hedging.tryHedge(++asks)) { // the hedging budget is spent: ask again later
        long next = Hedging.nextAskNanos(asks, waitedNanos);
        askAfter(next - waitedNanos);
        waitedNanos = next;
        return;
      }
      Pick pick;
      try {
        pick = lb.pick(context, tried);
      } catch (RuntimeException e) {
        return;
      }
      if (tried.contains(pick.endpoint())) {
        pick.cancel(); // every endpoint tried already
        return;
      }
      a = start(pick);
      a.hedge = true;
      log.debug("{}: hedging {} {} on {} (attempt {})", host, chain.request().method(),
          chain.request().url().redact(), pick.endpoint().address(), attempts.size());
      scheduleHedge();
    }
    a.call.enqueue(new Callback() {
      @Override
      public void onResponse(Call c, Response response) {
        finished(a, response, null);
      }

      @Override
      public void onFailure(Call c, IOException e) {
        finished(a, null, e);
      }
    });
  }

  /** An attempt answered ({@code response}) or failed ({@code error}). */
  private void finished(Attempt a, @Nullable Response response, @Nullable IOException error) {
    List<Attempt> losers = List.of();
    synchronized (this) {
      outstanding--;
      if (winner != null || response == null) {
        if (response != null) {
          a.pick.cancel(); // lost the race by a hair: cancelled, not a success
          response.close();
        } else if (winner == null && !cancelled) {
          errors.add(error); // a failure, or the attempt's own deadline: not our cancel
        }
        notifyAll();
        return;
      }
      winner = a;
      a.response = response;
      hedging.recordLatency(System.nanoTime() - a.startNanos);
      if (a.hedge) {
        hedging.onHedgeWon();
      }
      losers = new ArrayList<>(attempts);
      losers.remove(a);
      for (Attempt loser : losers) {
        loser.pick.cancel(); // before the caller returns: the losers count as cancelled
      }
      timer.run();
      notifyAll();
    }
    for (Attempt loser : losers) {
      loser.call.cancel();
    }
  }

  /** Waits until an attempt won (returned) or none is outstanding (null). */
  private synchronized @Nullable Attempt awaitOutcome() throws IOException {
    while (winner == null && outstanding > 0) {
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        cancelAll();
        InterruptedIOException interrupted =
            new InterruptedIOException("interrupted while waiting for a hedged call");
        interrupted.initCause(e);
        throw interrupted;
      }
    }
    if (winner == null && errors.isEmpty()) {
      errors.add(new IOException("Canceled"));
    }
    return winner;
  }

  /** After every attempt failed: the next attempt's lease when a retry is allowed, else null. */
  private @Nullable Pick retryPick(IOException last) {
    Attempt failed;
    synchronized (this) {
      failed = attempts.get(attempts.size() - 1);
      if (cancelled || call.isCanceled() || BalancedCall.isCertificateFailure(last)
          || last instanceof UnknownServiceException || last instanceof FileNotFoundException
          || retries + 1 >= lb.retryPolicy().maxAttempts()
          || (hasDeadline && deadlineNanos - System.nanoTime() <= 0)) {
        return null;
      }
    }
    if (!lb.retryThrottle().tryRetry(failed.pick.endpoint(), retries + 1, last)) {
      return null;
    }
    retries++;
    try {
      return pick();
    } catch (IOException e) {
      last.addSuppressed(e);
      return null;
    }
  }

  private IOException finish(IOException last) {
    for (IOException e : errors) {
      if (e != last) {
        last.addSuppressed(e);
      }
    }
    return last;
  }

  private void cancelAll() {
    List<Attempt> all;
    synchronized (this) {
      cancelled = true;
      all = new ArrayList<>(attempts);
      timer.run();
    }
    for (Attempt a : all) {
      a.pick.cancel();
      a.call.cancel();
    }
  }

  /**
   * The caller cancelled its call: every attempt goes with it, as cancelled. When the call's
   * timeout fired instead, the attempts' own deadlines (the same) end them, as timeouts: the
   * endpoints that did not answer in time count a failure, as without hedging.
   */
  @Override
  public void canceled(Call c) {
    if (c == call
        && !(hasDeadline && System.nanoTime() - (deadlineNanos - timeoutSlackNanos) >= 0)) {
      cancelAll();
    }
  }
}
