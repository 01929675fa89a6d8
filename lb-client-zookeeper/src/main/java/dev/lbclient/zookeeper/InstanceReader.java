package dev.lbclient.zookeeper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lbclient.Endpoint;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Reads one znode written by Curator's {@code JsonInstanceSerializer}: a JSON object with {@code
 * address}, {@code port}, {@code sslPort}, {@code enabled} and a {@code payload}.
 *
 * <p>The JSON is read as a tree. Curator's own serializer would instead create the payload's class,
 * named by its {@code "@class"} property, which fails when the reader does not have that class
 * (a registrant's {@code InstanceDetails}, Spring Cloud's {@code ZookeeperInstance}) and lets
 * registry data choose classes to instantiate.
 *
 * <p>Stateless and thread-safe.
 */
final class InstanceReader {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_DETAIL = 120;

  private InstanceReader() {}

  /** One instance znode as read: usable, disabled, or skipped for a stated problem. */
  static final class Instance {
    /** A child whose data is being read; never part of a snapshot. */
    static final Instance LOADING = new Instance(-1, null, 0, null);

    /** The znode's mzxid: a later read replaces this one only if it is not older. */
    final long mzxid;
    /** The endpoint, or {@code null} when disabled, loading or skipped. */
    final @Nullable Endpoint endpoint;
    /** {@code registrationTimeUTC}: when two instances share an address, the newer wins. */
    final long registered;
    /** Why the instance is skipped, or {@code null}. */
    final @Nullable String problem;

    private Instance(long mzxid, @Nullable Endpoint endpoint, long registered,
        @Nullable String problem) {
      this.mzxid = mzxid;
      this.endpoint = endpoint;
      this.registered = registered;
      this.problem = problem;
    }

    static Instance skipped(long mzxid, String problem) {
      return new Instance(mzxid, null, 0, problem);
    }
  }

  /**
   * Reads one instance. The port is {@code sslPort} when {@code sslPort} is true, {@code port}
   * otherwise. The payload's {@code zone} and {@code weight} fields, or failing those the same
   * keys in its {@code metadata} object (Spring Cloud ZooKeeper's layout), become the endpoint's
   * zone and weight. {@code "enabled": false} gives an instance with neither endpoint nor problem,
   * as Curator's {@code ServiceProvider} leaves such instances out.
   */
  static Instance read(byte @Nullable [] data, long mzxid, boolean sslPort) {
    if (data == null || data.length == 0) {
      return Instance.skipped(mzxid, "empty znode (expected: a JSON service instance)");
    }
    JsonNode root;
    try {
      root = JSON.readTree(data);
    } catch (JsonProcessingException e) {
      return Instance.skipped(mzxid, "not JSON: " + shorten(e.getOriginalMessage()));
    } catch (IOException e) {
      return Instance.skipped(mzxid, "not JSON: " + shorten(String.valueOf(e.getMessage())));
    }
    if (root == null || !root.isObject()) {
      return Instance.skipped(mzxid, "not a JSON object (expected: a JSON service instance)");
    }
    JsonNode enabled = root.get("enabled");
    if (enabled != null && enabled.isBoolean() && !enabled.booleanValue()) {
      return new Instance(mzxid, null, 0, null);
    }
    JsonNode address = root.get("address");
    if (address == null || !address.isTextual()) {
      return Instance.skipped(mzxid, address == null || address.isNull() ? "no address"
          : "address: " + shorten(address.toString()) + " (expected: a string)");
    }
    String portField = sslPort ? "sslPort" : "port";
    JsonNode port = root.get(portField);
    if (port == null || port.isNull()) {
      return Instance.skipped(mzxid, "no " + portField);
    }
    if (!port.isIntegralNumber() || !port.canConvertToInt()) {
      return Instance.skipped(mzxid,
          portField + ": " + shorten(port.toString()) + " (expected: 1..65535)");
    }
    Endpoint endpoint;
    try {
      endpoint = Endpoint.of(address.textValue(), port.intValue());
      JsonNode payload = root.get("payload");
      if (payload != null && payload.isObject()) {
        JsonNode metadata = payload.get("metadata");
        JsonNode zone = field(payload, metadata, "zone");
        if (zone != null) {
          if (!zone.isTextual()) {
            return Instance.skipped(mzxid,
                "zone: " + shorten(zone.toString()) + " (expected: a string)");
          }
          endpoint = endpoint.withZone(zone.textValue());
        }
        JsonNode weight = field(payload, metadata, "weight");
        if (weight != null) {
          Integer w = null;
          if (weight.isIntegralNumber() && weight.canConvertToInt()) {
            w = weight.intValue();
          } else if (weight.isTextual()) {
            w = parseWeight(weight.textValue());
          }
          if (w == null) {
            return Instance.skipped(mzxid, "weight: " + shorten(weight.toString())
                + " (expected: " + Endpoint.MIN_WEIGHT + ".." + Endpoint.MAX_WEIGHT + ")");
          }
          endpoint = endpoint.withWeight(w);
        }
      }
    } catch (IllegalArgumentException e) {
      // Endpoint's message names the value and the expected range.
      return Instance.skipped(mzxid, String.valueOf(e.getMessage()));
    }
    JsonNode registered = root.get("registrationTimeUTC");
    return new Instance(mzxid, endpoint,
        registered != null && registered.isIntegralNumber() ? registered.longValue() : 0, null);
  }

  /** {@code payload.name}, else {@code payload.metadata.name}; a JSON null counts as absent. */
  private static @Nullable JsonNode field(JsonNode payload, @Nullable JsonNode metadata,
      String name) {
    JsonNode v = payload.get(name);
    if ((v == null || v.isNull()) && metadata != null && metadata.isObject()) {
      v = metadata.get(name);
    }
    return v == null || v.isNull() ? null : v;
  }

  private static @Nullable Integer parseWeight(String text) {
    String s = text.strip();
    if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return null;
    }
    return Integer.parseInt(s);
  }

  private static String shorten(String s) {
    String oneLine = s.replace('\n', ' ').replace('\r', ' ');
    return oneLine.length() <= MAX_DETAIL ? oneLine : oneLine.substring(0, MAX_DETAIL) + "...";
  }
}
