package dev.lbclient.okhttp;

import dev.lbclient.LoadReport;
import dev.lbclient.Pick;
import okhttp3.Response;

/**
 * Hands the load report in a response's {@code endpoint-load-metrics} header (or its {@code -bin}
 * twin) to the lease of the endpoint that sent it. Trailers are not read: OkHttp exposes them only
 * once the body has been consumed, after the lease has usually ended. Nothing is done, and nothing
 * allocated, for a response without either header; a malformed value is ignored (one DEBUG line).
 */
final class ServerLoad {
  private ServerLoad() {}

  static void report(Response response, Pick pick) {
    String text = response.header(LoadReport.HEADER);
    if (text != null) {
      LoadReport.parse(text).ifPresent(pick::reportLoad);
      return;
    }
    String binary = response.header(LoadReport.BINARY_HEADER);
    if (binary != null) {
      LoadReport.parseBinary(binary).ifPresent(pick::reportLoad);
    }
  }
}
