package dev.lbclient.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.zookeeper.InstanceReader.Instance;
import dev.lbclient.zookeeper.ZooKeeperTesting.Details;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.junit.jupiter.api.Test;

/** What one instance znode becomes: an endpoint, nothing (disabled), or a stated problem. */
class InstanceReaderTest {
  private static Instance read(String json) {
    return InstanceReader.read(json.getBytes(StandardCharsets.UTF_8), 7, false);
  }

  private static String endpoint(Instance i) {
    assertThat(i.problem).isNull();
    assertThat(i.endpoint).isNotNull();
    return i.endpoint.toString();
  }

  @Test
  void curatorJson_payloadClassNotNeeded() throws Exception {
    // Written by Curator's serializer with a payload class the reader need not have.
    byte[] data = new JsonInstanceSerializer<>(Details.class).serialize(ServiceInstance
        .<Details>builder().name("orders").id("1").address("10.0.0.1").port(8080).sslPort(8443)
        .payload(new Details("eu-1a", 3)).registrationTimeUTC(1234).build());
    assertThat(new String(data, StandardCharsets.UTF_8))
        .contains("\"@class\":\"dev.lbclient.zookeeper.ZooKeeperTesting$Details\"");

    Instance i = InstanceReader.read(data, 7, false);
    assertThat(endpoint(i)).isEqualTo("10.0.0.1:8080;weight=3;zone=eu-1a");
    assertThat(i.registered).isEqualTo(1234);
    assertThat(i.mzxid).isEqualTo(7);
    assertThat(endpoint(InstanceReader.read(data, 7, true)))
        .isEqualTo("10.0.0.1:8443;weight=3;zone=eu-1a");
  }

  @Test
  void payload_classNamedButUnknown_stillRead() {
    assertThat(endpoint(read("{\"address\":\"10.0.0.1\",\"port\":80,"
        + "\"payload\":{\"@class\":\"com.example.Gone\",\"zone\":\"z1\"}}")))
        .isEqualTo("10.0.0.1:80;zone=z1");
  }

  @Test
  void payload_springCloudMetadata_zoneAndWeight() {
    assertThat(endpoint(read("{\"address\":\"10.0.0.1\",\"port\":80,\"payload\":{\"@class\":"
        + "\"org.springframework.cloud.zookeeper.discovery.ZookeeperInstance\",\"id\":\"orders\","
        + "\"metadata\":{\"zone\":\"eu-1a\",\"weight\":\"4\"}}}")))
        .isEqualTo("10.0.0.1:80;weight=4;zone=eu-1a");
  }

  @Test
  void payload_absentNullOrNotAnObject_ignored() {
    assertThat(endpoint(read("{\"address\":\"h.internal\",\"port\":80}")))
        .isEqualTo("h.internal:80");
    assertThat(endpoint(read("{\"address\":\"h.internal\",\"port\":80,\"payload\":null}")))
        .isEqualTo("h.internal:80");
    assertThat(endpoint(read("{\"address\":\"h.internal\",\"port\":80,"
        + "\"payload\":[\"java.lang.String\",\"x\"]}"))).isEqualTo("h.internal:80");
    assertThat(endpoint(read("{\"address\":\"h.internal\",\"port\":80,"
        + "\"payload\":{\"zone\":null,\"weight\":null}}"))).isEqualTo("h.internal:80");
  }

  @Test
  void disabled_leftOutWithoutProblem() {
    Instance i = read("{\"address\":\"10.0.0.1\",\"port\":80,\"enabled\":false}");
    assertThat(i.endpoint).isNull();
    assertThat(i.problem).isNull();
    assertThat(endpoint(read("{\"address\":\"10.0.0.1\",\"port\":80,\"enabled\":true}")))
        .isEqualTo("10.0.0.1:80");
  }

  @Test
  void problems_namedExactly() {
    Map<String, String> cases = Map.ofEntries(
        Map.entry("", "empty znode (expected: a JSON service instance)"),
        Map.entry("[1]", "not a JSON object (expected: a JSON service instance)"),
        Map.entry("{\"port\":80}", "no address"),
        Map.entry("{\"address\":null,\"port\":80}", "no address"),
        Map.entry("{\"address\":5,\"port\":80}", "address: 5 (expected: a string)"),
        Map.entry("{\"address\":\"10.0.0.1\"}", "no port"),
        Map.entry("{\"address\":\"10.0.0.1\",\"port\":\"80\"}",
            "port: \"80\" (expected: 1..65535)"),
        Map.entry("{\"address\":\"10.0.0.1\",\"port\":70000}",
            "port: 70000 (expected: 1..65535)"),
        Map.entry("{\"address\":\"not a host\",\"port\":80}",
            "host: 'not a host' (expected: a hostname or an IP address)"),
        Map.entry("{\"address\":\"10.0.0.1\",\"port\":80,\"payload\":{\"weight\":0}}",
            "weight: 0 (expected: 1..65535)"),
        Map.entry("{\"address\":\"10.0.0.1\",\"port\":80,\"payload\":{\"weight\":\"x\"}}",
            "weight: \"x\" (expected: 1..65535)"),
        Map.entry("{\"address\":\"10.0.0.1\",\"port\":80,\"payload\":{\"zone\":\"a b\"}}",
            "zone: 'a b' (expected: non-empty, printable ASCII, no ';' or spaces)"),
        Map.entry("{\"address\":\"10.0.0.1\",\"port\":80,\"payload\":{\"zone\":3}}",
            "zone: 3 (expected: a string)"));
    cases.forEach((json, problem) -> {
      Instance i = read(json);
      assertThat(i.endpoint).as(json).isNull();
      assertThat(i.problem).as(json).isEqualTo(problem);
    });
  }

  @Test
  void problems_sslPortMissing_andGarbage() {
    assertThat(InstanceReader.read("{\"address\":\"10.0.0.1\",\"port\":80}"
        .getBytes(StandardCharsets.UTF_8), 1, true).problem).isEqualTo("no sslPort");
    assertThat(InstanceReader.read(null, 1, false).problem)
        .isEqualTo("empty znode (expected: a JSON service instance)");
    assertThat(InstanceReader.read(new byte[] {0x13, 0x37}, 1, false).problem)
        .startsWith("not JSON: Illegal character ((CTRL-CHAR, code 19))");
    assertThat(read("{\"address\":\"10.0.0.1\",\"port\":8").problem)
        .startsWith("not JSON: Unexpected end-of-input");
  }
}
