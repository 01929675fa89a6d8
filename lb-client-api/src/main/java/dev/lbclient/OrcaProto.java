package dev.lbclient;

import dev.lbclient.LoadReportParser.Malformed;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decodes a serialized {@code xds.data.orca.v3.OrcaLoadReport} by hand, so that neither the core
 * nor the gRPC module needs the xDS protos: doubles 1 (cpu), 2 (mem), 6 (rps_fractional), 7 (eps)
 * and 9 (application utilization) as fixed64, maps 4 (request_cost), 5 (utilization) and 8
 * (named_metrics) as length-delimited entries of a string key (1) and a double value (2). Unknown
 * fields, and the deprecated integer rps (3), are skipped as protobuf does; a later value of a
 * field replaces an earlier one.
 */
final class OrcaProto {
  private OrcaProto() {}

  /** A serialized {@code xds.data.orca.v3.OrcaLoadReport}, base64-encoded. */
  static LoadReport decode(String base64) throws Malformed {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new Malformed("not base64");
    }
    Proto p = new Proto(bytes, 0, bytes.length);
    double[] scalars = new double[10];
    Map<String, Double> named = new TreeMap<>();
    Map<String, Double> utilization = new TreeMap<>();
    Map<String, Double> cost = new TreeMap<>();
    while (p.more()) {
      long tag = p.varint();
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if ((field == 1 || field == 2 || field == 6 || field == 7 || field == 9) && wire == 1) {
        scalars[field] = p.fixed64();
      } else if ((field == 4 || field == 5 || field == 8) && wire == 2) {
        int len = p.length();
        Proto entry = new Proto(bytes, p.at, p.at + len);
        p.at += len;
        String key = "";
        double value = 0;
        while (entry.more()) {
          long t = entry.varint();
          if (t == (1 << 3 | 2)) {
            int n = entry.length();
            key = new String(bytes, entry.at, n, StandardCharsets.UTF_8);
            entry.at += n;
          } else if (t == (2 << 3 | 1)) {
            value = entry.fixed64();
          } else {
            entry.skip((int) (t & 7));
          }
        }
        (field == 4 ? cost : field == 5 ? utilization : named).put(key, value);
      } else if (field == 1 || field == 2 || field == 4 || field == 5 || field == 6 || field == 7
          || field == 8 || field == 9) {
        throw new Malformed("field " + field + " with wire type " + wire);
      } else {
        p.skip(wire); // the deprecated integer rps (3) and fields added later
      }
    }
    LoadReport.Builder b = LoadReport.builder().cpuUtilization(scalars[1])
        .memUtilization(scalars[2]).rpsFractional(scalars[6]).eps(scalars[7])
        .applicationUtilization(scalars[9]);
    named.forEach(b::namedMetric);
    utilization.forEach(b::utilization);
    cost.forEach(b::requestCost);
    return b.build();
  }

  /** A cursor over proto wire bytes in [at, end). */
  private static final class Proto {
    private final byte[] bytes;
    private final int end;
    int at;

    Proto(byte[] bytes, int from, int end) {
      this.bytes = bytes;
      this.at = from;
      this.end = end;
    }

    boolean more() {
      return at < end;
    }

    long varint() throws Malformed {
      long result = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (at >= end) {
          throw new Malformed("a truncated varint");
        }
        byte b = bytes[at++];
        result |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          return result;
        }
      }
      throw new Malformed("a varint longer than 10 bytes");
    }

    double fixed64() throws Malformed {
      if (end - at < 8) {
        throw new Malformed("a truncated double");
      }
      long bits = 0;
      for (int k = 7; k >= 0; k--) {
        bits = (bits << 8) | (bytes[at + k] & 0xff);
      }
      at += 8;
      return Double.longBitsToDouble(bits);
    }

    int length() throws Malformed {
      long len = varint();
      if (len < 0 || len > end - at) {
        throw new Malformed("a length past the end");
      }
      return (int) len;
    }

    void skip(int wire) throws Malformed {
      switch (wire) {
        case 0: varint(); break;
        case 1: advance(8); break;
        case 2: advance(length()); break;
        case 5: advance(4); break;
        default: throw new Malformed("wire type " + wire);
      }
    }

    private void advance(int n) throws Malformed {
      if (end - at < n) {
        throw new Malformed("a truncated field");
      }
      at += n;
    }
  }
}
