package dev.lbclient.okhttp;

import dev.lbclient.Endpoint;
import java.io.IOException;

/**
 * The failure reported to a lease for a 5xx response: names the status and the endpoint, carries
 * no stack trace (it is made for every such response and never thrown to the caller, who gets the
 * response itself; it may appear as a suppressed exception of a later attempt's error).
 */
final class HttpStatusException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int code;

  HttpStatusException(int code, String service, Endpoint endpoint) {
    super("HTTP " + code + " from " + service + " endpoint " + endpoint.address());
    this.code = code;
  }

  int code() {
    return code;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
