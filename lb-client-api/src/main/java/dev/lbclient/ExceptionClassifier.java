package dev.lbclient;

import java.io.IOException;

/**
 * Decides what an exception thrown by a call means for the endpoint and for retrying. The default,
 * {@link #defaults()}, treats {@link IOException} as a retryable failure and every other exception
 * as a failure that is not retried.
 *
 * <p>Implementations must be thread-safe, fast and must not block.
 */
@FunctionalInterface
public interface ExceptionClassifier {

  /** What an exception means. */
  enum Verdict {
    /** The endpoint did its job (for example a "not found" answer): counts as a success. */
    NOT_A_FAILURE,
    /** The endpoint failed; the call is not retried. */
    FAILURE,
    /** The endpoint failed and the call may safely be retried on another endpoint. */
    RETRYABLE_FAILURE
  }

  /** Classifies one exception thrown by a call. */
  Verdict classify(Throwable error);

  /** {@link IOException} (and subclasses): retryable; anything else: a plain failure. */
  static ExceptionClassifier defaults() {
    return error -> error instanceof IOException ? Verdict.RETRYABLE_FAILURE : Verdict.FAILURE;
  }
}
