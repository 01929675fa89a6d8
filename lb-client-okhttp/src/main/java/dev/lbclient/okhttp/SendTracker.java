package dev.lbclient.okhttp;

import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.EventListener;

/**
 * Counts how often OkHttp started writing request headers in one call (the first redirect hop,
 * OkHttp's own retries and ours included). If the count did not move during an attempt, not one
 * byte of that attempt's request left the client, whatever the exception: that is the proof a
 * non-idempotent request needs before it may be sent again.
 */
final class SendTracker extends EventListener {
  private final AtomicInteger headersStarted = new AtomicInteger();

  @Override
  public void requestHeadersStart(Call call) {
    headersStarted.incrementAndGet();
  }

  int headersStarted() {
    return headersStarted.get();
  }
}
