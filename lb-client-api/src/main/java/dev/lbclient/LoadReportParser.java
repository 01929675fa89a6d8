package dev.lbclient;

import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an {@code endpoint-load-metrics} value in the TEXT, JSON and BIN forms. Every path ends in
 * a report or in null with one DEBUG line; nothing escapes. The JSON reader is a strict one-pass
 * reader of exactly what an {@code OrcaLoadReport} can hold: one object of numbers, and objects of
 * numbers for the three maps. The BIN form is {@link OrcaProto}'s.
 */
final class LoadReportParser {
  static final Logger LOG = LoggerFactory.getLogger(LoadReport.class);
  /** A value longer than this is not read (a report is a few hundred bytes). */
  static final int MAX_LENGTH = 8192;

  private LoadReportParser() {}

  /** Why a value is malformed; only ever caught here. */
  static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  static @Nullable LoadReport parse(String value, Logger log) {
    try {
      if (value.length() > MAX_LENGTH) {
        throw new Malformed("longer than " + MAX_LENGTH + " characters");
      }
      if (value.startsWith("TEXT ")) {
        return text(value.substring(5));
      }
      if (value.startsWith("JSON ")) {
        return new Json(value.substring(5)).report();
      }
      if (value.startsWith("BIN ")) {
        return OrcaProto.decode(value.substring(4).strip());
      }
      throw new Malformed("no TEXT, JSON or BIN prefix");
    } catch (Malformed | RuntimeException e) {
      return malformed(log, e);
    }
  }

  static @Nullable LoadReport parseBinary(String base64, Logger log) {
    try {
      if (base64.length() > MAX_LENGTH) {
        throw new Malformed("longer than " + MAX_LENGTH + " characters");
      }
      return OrcaProto.decode(base64.strip());
    } catch (Malformed | RuntimeException e) {
      return malformed(log, e);
    }
  }

  private static @Nullable LoadReport malformed(Logger log, Exception e) {
    // The value itself is not logged: header values may carry what the server did not mean to log.
    log.debug("ignoring a malformed {} value: {}", LoadReport.HEADER, e.getMessage());
    return null;
  }

  /** {@code name=value} or {@code name:value}, separated by commas. */
  private static LoadReport text(String body) throws Malformed {
    LoadReport.Builder b = LoadReport.builder();
    if (body.isBlank()) {
      return b.build();
    }
    for (String item : body.split(",", -1)) {
      int colon = item.indexOf(':');
      int equals = item.indexOf('=');
      int sep = colon < 0 ? equals : equals < 0 ? colon : Math.min(colon, equals);
      if (sep < 0) {
        throw new Malformed("an entry without ':' or '='");
      }
      set(b, item.substring(0, sep).strip(), number(item.substring(sep + 1).strip()));
    }
    return b.build();
  }

  /** One metric by its proto name; the builder rejects duplicates and bad values. */
  private static void set(LoadReport.Builder b, String name, double value) throws Malformed {
    switch (name) {
      case "cpu_utilization": b.cpuUtilization(value); return;
      case "mem_utilization": b.memUtilization(value); return;
      case "application_utilization": b.applicationUtilization(value); return;
      case "rps_fractional": b.rpsFractional(value); return;
      case "eps": b.eps(value); return;
      default:
    }
    if (name.startsWith("named_metrics.")) {
      b.namedMetric(name.substring(14), value);
    } else if (name.startsWith("utilization.")) {
      b.utilization(name.substring(12), value);
    } else if (name.startsWith("request_cost.")) {
      b.requestCost(name.substring(13), value);
    } else {
      throw new Malformed("unknown metric '" + printable(name) + "'");
    }
  }

  /** A decimal number as JSON writes it, or with a leading '+', '.' or trailing '.'. */
  private static double number(String text) throws Malformed {
    if (text.isEmpty() || text.length() > 64) {
      throw new Malformed("a metric value that is empty or too long");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+')) {
        throw new Malformed("a metric value that is not a decimal number");
      }
    }
    try {
      double d = Double.parseDouble(text);
      if (Double.isInfinite(d)) {
        throw new Malformed("an infinite metric value");
      }
      return d;
    } catch (NumberFormatException e) {
      throw new Malformed("a metric value that is not a decimal number");
    }
  }

  private static String printable(String name) {
    String cut = name.length() > 40 ? name.substring(0, 40) + "..." : name;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }

  /** The proto JSON form: snake_case or lowerCamelCase names. */
  private static final class Json {
    private final String s;
    private int i;

    Json(String s) {
      this.s = s;
    }

    LoadReport report() throws Malformed {
      LoadReport.Builder b = LoadReport.builder();
      Set<String> seen = new HashSet<>();
      ws();
      expect('{');
      ws();
      if (peek() == '}') {
        i++;
      } else {
        for (;;) {
          String name = canonical(string());
          if (!seen.add(name)) {
            throw new Malformed("duplicate field " + name);
          }
          ws();
          expect(':');
          ws();
          if (name.equals("named_metrics") || name.equals("utilization")
              || name.equals("request_cost")) {
            map(b, name);
          } else {
            set(b, name, jsonNumber());
          }
          ws();
          if (peek() == ',') {
            i++;
            ws();
            continue;
          }
          expect('}');
          break;
        }
      }
      ws();
      if (i != s.length()) {
        throw new Malformed("text after the JSON object");
      }
      return b.build();
    }

    private void map(LoadReport.Builder b, String field) throws Malformed {
      expect('{');
      ws();
      if (peek() == '}') {
        i++;
        return;
      }
      for (;;) {
        String key = string();
        ws();
        expect(':');
        ws();
        set(b, field + "." + key, jsonNumber());
        ws();
        if (peek() == ',') {
          i++;
          ws();
          continue;
        }
        expect('}');
        return;
      }
    }

    private static String canonical(String name) throws Malformed {
      switch (name) {
        case "cpu_utilization": case "cpuUtilization": return "cpu_utilization";
        case "mem_utilization": case "memUtilization": return "mem_utilization";
        case "application_utilization": case "applicationUtilization":
          return "application_utilization";
        case "rps_fractional": case "rpsFractional": return "rps_fractional";
        case "eps": return "eps";
        case "named_metrics": case "namedMetrics": return "named_metrics";
        case "utilization": return "utilization";
        case "request_cost": case "requestCost": return "request_cost";
        default: throw new Malformed("unknown field '" + printable(name) + "'");
      }
    }

    /** A JSON number, exactly as RFC 8259 writes it. */
    private double jsonNumber() throws Malformed {
      int start = i;
      if (peek() == '-') {
        i++;
      }
      if (peek() == '0') {
        i++;
      } else if (digits() == 0) {
        throw new Malformed("a JSON value that is not a number");
      }
      if (peek() == '.') {
        i++;
        if (digits() == 0) {
          throw new Malformed("a JSON number without digits after '.'");
        }
      }
      if (peek() == 'e' || peek() == 'E') {
        i++;
        if (peek() == '+' || peek() == '-') {
          i++;
        }
        if (digits() == 0) {
          throw new Malformed("a JSON number without exponent digits");
        }
      }
      return number(s.substring(start, i));
    }

    private int digits() {
      int n = 0;
      while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        i++;
        n++;
      }
      return n;
    }

    private String string() throws Malformed {
      expect('"');
      StringBuilder sb = new StringBuilder();
      for (;;) {
        if (i >= s.length()) {
          throw new Malformed("an unterminated JSON string");
        }
        char c = s.charAt(i++);
        if (c == '"') {
          return sb.toString();
        }
        if (c < 0x20) {
          throw new Malformed("a control character in a JSON string");
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        char e = i < s.length() ? s.charAt(i++) : 0;
        switch (e) {
          case '"': case '\\': case '/': sb.append(e); break;
          case 'b': sb.append('\b'); break;
          case 'f': sb.append('\f'); break;
          case 'n': sb.append('\n'); break;
          case 'r': sb.append('\r'); break;
          case 't': sb.append('\t'); break;
          case 'u':
            if (i + 4 > s.length()) {
              throw new Malformed("a short \\u escape");
            }
            try {
              sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            } catch (NumberFormatException ex) {
              throw new Malformed("a bad \\u escape");
            }
            i += 4;
            break;
          default: throw new Malformed("a bad escape in a JSON string");
        }
      }
    }

    private void ws() {
      while (i < s.length()) {
        char c = s.charAt(i);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
          return;
        }
        i++;
      }
    }

    private char peek() {
      return i < s.length() ? s.charAt(i) : 0;
    }

    private void expect(char c) throws Malformed {
      if (peek() != c) {
        throw new Malformed("expected '" + c + "' at offset " + i + " of the JSON");
      }
      i++;
    }
  }
}
