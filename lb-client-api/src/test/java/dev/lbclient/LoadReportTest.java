package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.event.EventRecordingLogger;
import org.slf4j.event.Level;
import org.slf4j.event.SubstituteLoggingEvent;
import org.slf4j.helpers.SubstituteLogger;

/** Parsing {@code endpoint-load-metrics} in every form, and what a malformed value does. */
class LoadReportTest {
  private final Queue<SubstituteLoggingEvent> events = new ArrayDeque<>();
  private final EventRecordingLogger log = new EventRecordingLogger(
      new SubstituteLogger("test", events, false), events);

  private static final LoadReport EXPECTED = LoadReport.builder().cpuUtilization(0.3)
      .memUtilization(0.8).rpsFractional(10).eps(1).namedMetric("queue", 0.4).build();

  @Test
  void parse_textWithEquals() {
    assertThat(LoadReportParser.parse("TEXT cpu_utilization=0.3, mem_utilization=0.8, "
        + "rps_fractional=10.0, eps=1, named_metrics.queue=0.4", log)).isEqualTo(EXPECTED);
    assertThat(events).isEmpty();
  }

  @Test
  void parse_textWithColonsAsEnvoy() {
    assertThat(LoadReportParser.parse("TEXT cpu_utilization:0.3,mem_utilization:0.8,"
        + "rps_fractional:10,eps:1,named_metrics.queue:0.4", log)).isEqualTo(EXPECTED);
  }

  @Test
  void parse_textEveryField() {
    LoadReport r = LoadReportParser.parse("TEXT application_utilization=0.5, utilization.gpu=0.7,"
        + " request_cost.db=3, named_metrics.in_flight=7, named_metrics.delta=-2e-3", log);

    assertThat(r).isNotNull();
    assertThat(r.applicationUtilization()).isEqualTo(0.5);
    assertThat(r.utilization()).isEqualTo(Map.of("gpu", 0.7));
    assertThat(r.requestCost()).isEqualTo(Map.of("db", 3.0));
    assertThat(r.namedMetrics()).isEqualTo(Map.of("in_flight", 7.0, "delta", -0.002));
    assertThat(r.inFlight()).isEqualTo(7);
    assertThat(r.cpuUtilization()).isZero();
  }

  @Test
  void parse_jsonSnakeCase() {
    assertThat(LoadReportParser.parse("JSON {\"cpu_utilization\": 0.3, \"mem_utilization\": 0.8, "
        + "\"rps_fractional\": 10.0, \"eps\": 1, \"named_metrics\": {\"queue\": 0.4}}", log))
        .isEqualTo(EXPECTED);
    assertThat(events).isEmpty();
  }

  @Test
  void parse_jsonCamelCaseAndEscapes() {
    LoadReport r = LoadReportParser.parse("JSON {\"cpuUtilization\":3E-1,\"memUtilization\":0.8,"
        + "\"rpsFractional\":10,\"eps\":1,\"namedMetrics\":{\"q\\u0075eue\":0.4},"
        + "\"utilization\":{},\"requestCost\":{\"a\\\"b\":1}}", log);

    assertThat(r).isNotNull();
    assertThat(r.namedMetrics()).isEqualTo(Map.of("queue", 0.4));
    assertThat(r.requestCost()).isEqualTo(Map.of("a\"b", 1.0));
    assertThat(r.cpuUtilization()).isEqualTo(0.3);
  }

  @Test
  void parse_jsonEmptyObject() {
    assertThat(LoadReportParser.parse("JSON { }", log)).isEqualTo(LoadReport.builder().build());
  }

  /** The example of the ORCA spec: cpu 0.1, rps 2, named foo 0.1 and bar 0.2. */
  @Test
  void parse_binary() {
    String base64 = "CZqZmZmZmbk/MQAAAAAAAABAQg4KA2ZvbxGamZmZmZm5P0IOCgNiYXIRmpmZmZmZyT8=";
    LoadReport expected = LoadReport.builder().cpuUtilization(0.1).rpsFractional(2)
        .namedMetric("foo", 0.1).namedMetric("bar", 0.2).build();

    assertThat(LoadReportParser.parse("BIN " + base64, log)).isEqualTo(expected);
    assertThat(LoadReport.parseBinary(base64)).contains(expected);
    assertThat(events).isEmpty();
  }

  @Test
  void toHeaderValue_parsesBack() {
    LoadReport r = LoadReport.builder().cpuUtilization(0.425).rpsFractional(120).eps(0.5)
        .inFlight(3).utilization("disk", 0.25).requestCost("rows", 12).build();

    assertThat(r.toHeaderValue()).isEqualTo("TEXT cpu_utilization:0.425,rps_fractional:120,"
        + "eps:0.5,named_metrics.in_flight:3,utilization.disk:0.25,request_cost.rows:12");
    assertThat(LoadReport.parse(r.toHeaderValue())).contains(r);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "cpu_utilization=0.3", "TEXT", "text cpu_utilization=0.3", "XML <a/>",
      "TEXT cpu_utilization=0.3,", "TEXT cpu_utilization", "TEXT cpu_utilization=",
      "TEXT cpu_utilization=NaN", "TEXT cpu_utilization=Infinity", "TEXT cpu_utilization=1e999",
      "TEXT cpu_utilization=0x10", "TEXT cpu_utilization=1d", "TEXT cpu_utilization=-0.1",
      "TEXT eps=-1", "TEXT cpu_utilization=0.3,cpu_utilization=0.4", "TEXT cpu=0.3",
      "TEXT named_metrics.=1", "TEXT named_metrics.a=1,named_metrics.a=2", "TEXT rps=10",
      "JSON", "JSON {", "JSON {\"cpu_utilization\": 0.3", "JSON {\"cpu_utilization\": 0.3,}",
      "JSON {\"cpu_utilization\": \"0.3\"}", "JSON {\"cpu_utilization\": NaN}",
      "JSON {\"cpu_utilization\": 01}", "JSON {\"cpu_utilization\": .5}",
      "JSON {\"cpu_utilization\": 1.}", "JSON {\"cpu_utilization\": null}",
      "JSON {\"cpu_utilization\": 0.3, \"cpuUtilization\": 0.3}", "JSON {\"rps\": 3}",
      "JSON {\"cpu_utilization\": 0.3} x", "JSON [0.3]", "JSON {'eps': 1}",
      "JSON {\"named_metrics\": {\"a\": {\"b\": 1}}}", "JSON {\"named_metrics\": 1}",
      "JSON {\"eps\": 1e999}", "JSON {\"eps\": -1}", "JSON {\"e\\qps\": 1}",
      "BIN", "BIN !!!", "BIN CQ==", "BIN CZqZmZmZmbk", "BIN QgEK", "BIN DQAAAAA=", "BIN /w=="
  })
  void parse_malformed_isIgnoredWithOneDebugLine(String value) {
    assertThat(LoadReportParser.parse(value, log)).isNull();

    assertThat(events).hasSize(1);
    SubstituteLoggingEvent event = events.peek();
    assertThat(event.getLevel()).isEqualTo(Level.DEBUG);
    assertThat(event.getMessage()).isEqualTo("ignoring a malformed {} value: {}");
    assertThat(event.getArgumentArray()[0]).isEqualTo("endpoint-load-metrics");
  }

  @Test
  void parse_tooLong_isIgnored() {
    assertThat(LoadReportParser.parse("TEXT eps=1," + "x".repeat(9000), log)).isNull();
    assertThat(events).hasSize(1);
  }

  @Test
  void parse_public_neverThrows() {
    assertThat(LoadReport.parse("TEXT eps=oops")).isEmpty();
    assertThat(LoadReport.parseBinary("%%%")).isEmpty();
    assertThat(LoadReport.parse("TEXT eps=2")).contains(LoadReport.builder().eps(2).build());
  }

  @Test
  void inFlight_absentOrNegative() {
    assertThat(LoadReport.builder().build().inFlight()).isEqualTo(-1);
    assertThat(LoadReport.builder().namedMetric("in_flight", -3).build().inFlight()).isEqualTo(-1);
  }

  @Test
  void builder_validatesAtOnce() {
    assertThatThrownBy(() -> LoadReport.builder().cpuUtilization(-0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cpuUtilization: -0.5 (expected: a finite number >= 0)");
    assertThatThrownBy(() -> LoadReport.builder().eps(Double.NaN))
        .hasMessage("eps: NaN (expected: a finite number >= 0)");
    assertThatThrownBy(() -> LoadReport.builder().rpsFractional(1).rpsFractional(2))
        .isInstanceOf(IllegalStateException.class).hasMessage("rpsFractional was already set");
    assertThatThrownBy(() -> LoadReport.builder().inFlight(-1))
        .hasMessage("inFlight: -1 (expected: >= 0)");
    assertThatThrownBy(() -> LoadReport.builder().namedMetric("", 1))
        .hasMessage("namedMetric: empty name (expected: a non-empty name)");
    assertThatThrownBy(() -> LoadReport.builder().utilization("gpu", -1))
        .hasMessage("utilization gpu: -1.0 (expected: a finite number >= 0)");
    assertThatThrownBy(() -> LoadReport.builder().namedMetric("a", 1).namedMetric("a", 2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("namedMetric a was already set to 1.0");
    assertThatThrownBy(() -> LoadReport.parse(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("headerValue");
  }
}
