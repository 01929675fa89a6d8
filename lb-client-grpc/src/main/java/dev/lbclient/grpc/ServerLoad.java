package dev.lbclient.grpc;

import dev.lbclient.LoadReport;
import dev.lbclient.Pick;
import io.grpc.Metadata;
import java.util.Base64;

/**
 * Hands the ORCA per-call report in a response's trailers to the call's lease: the {@code
 * endpoint-load-metrics-bin} trailer (a serialized {@code OrcaLoadReport}, what grpc-java's {@code
 * OrcaMetricReportingServerInterceptor} and Envoy send) decoded by the core without the xDS protos,
 * else a text {@code endpoint-load-metrics} trailer. A malformed value is ignored.
 */
final class ServerLoad {
  static final Metadata.Key<byte[]> BINARY =
      Metadata.Key.of(LoadReport.BINARY_HEADER, Metadata.BINARY_BYTE_MARSHALLER);
  static final Metadata.Key<String> TEXT =
      Metadata.Key.of(LoadReport.HEADER, Metadata.ASCII_STRING_MARSHALLER);

  private ServerLoad() {}

  static void report(Metadata trailers, Pick pick) {
    byte[] binary = trailers.get(BINARY);
    if (binary != null) {
      LoadReport.parseBinary(Base64.getEncoder().encodeToString(binary))
          .ifPresent(pick::reportLoad);
      return;
    }
    String text = trailers.get(TEXT);
    if (text != null) {
      LoadReport.parse(text).ifPresent(pick::reportLoad);
    }
  }
}
