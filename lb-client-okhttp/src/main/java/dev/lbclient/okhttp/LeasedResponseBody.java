package dev.lbclient.okhttp;

import dev.lbclient.Pick;
import java.io.IOException;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;
import org.jspecify.annotations.Nullable;

/**
 * A response body that holds its endpoint's lease until the body is closed or read to the end; a
 * read error fails the lease instead (or cancels it when the call was cancelled). The {@link Pick}
 * reports once, whichever comes first.
 */
final class LeasedResponseBody extends ResponseBody {
  private final ResponseBody delegate;
  private final BufferedSource source;

  /**
   * @param failure the failure to report when the body ends normally (a 5xx), or {@code null}
   * @param neutral whether to report no outcome when the body ends normally (a penalized 429/503)
   */
  LeasedResponseBody(ResponseBody delegate, Pick pick, Call call, @Nullable Throwable failure,
      boolean neutral) {
    this.delegate = delegate;
    this.source = Okio.buffer(new ForwardingSource(delegate.source()) {
      @Override
      public long read(Buffer sink, long byteCount) throws IOException {
        long n;
        try {
          n = super.read(sink, byteCount);
        } catch (IOException | RuntimeException e) {
          if (call.isCanceled()) {
            pick.cancel();
          } else {
            pick.failure(e);
          }
          throw e;
        }
        if (n == -1) {
          done();
        }
        return n;
      }

      @Override
      public void close() throws IOException {
        try {
          super.close();
        } finally {
          done();
        }
      }

      private void done() {
        if (failure != null) {
          pick.failure(failure);
        } else if (neutral) {
          pick.cancel();
        } else {
          pick.success();
        }
      }
    });
  }

  @Override
  public @Nullable MediaType contentType() {
    return delegate.contentType();
  }

  @Override
  public long contentLength() {
    return delegate.contentLength();
  }

  @Override
  public BufferedSource source() {
    return source;
  }
}
