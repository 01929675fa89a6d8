package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@link ZoneRouting} value and the builder's zone settings: defaults and validation. */
class ZoneRoutingTest {

  @Test
  void aware_defaults() {
    ZoneRouting r = ZoneRouting.aware("eu-1a");
    assertThat(r.zone()).isEqualTo("eu-1a");
    assertThat(r.mode()).isEqualTo(ZoneRouting.Mode.AWARE);
    assertThat(r.clientShares()).isEmpty();
    assertThat(r.minEndpoints()).isEqualTo(6);
    assertThat(r).hasToString("ZoneRouting{aware eu-1a, clients like endpoints, min 6}");
  }

  @Test
  void preferred_hasNoArithmetic() {
    ZoneRouting r = ZoneRouting.preferred("eu-1a");
    assertThat(r.mode()).isEqualTo(ZoneRouting.Mode.PREFERRED);
    assertThat(r.minEndpoints()).isEqualTo(1);
    assertThat(r).hasToString("ZoneRouting{preferred eu-1a}");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "eu 1a", "a;b", "caf\u00e9"})
  void zone_invalid(String zone) {
    String message = "zone: '" + zone + "' (expected: non-empty, printable ASCII, no ';' or spaces)";
    assertThatThrownBy(() -> ZoneRouting.aware(zone))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    assertThatThrownBy(() -> ZoneRouting.preferred(zone))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    assertThatThrownBy(() -> LoadBalancer.builder("orders").zone(zone))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Test
  void zone_null() {
    assertThatThrownBy(() -> ZoneRouting.aware(null))
        .isInstanceOf(NullPointerException.class).hasMessage("zone");
  }

  @Test
  void clientShares_normalizedAndSorted() {
    Map<String, Integer> given = new LinkedHashMap<>();
    given.put("c", 1);
    given.put("a", 2);
    given.put("b", 1);
    ZoneRouting r = ZoneRouting.builder("a").clientShares(given).build();
    assertThat(r.clientShares()).containsExactly(
        Map.entry("a", 0.5), Map.entry("b", 0.25), Map.entry("c", 0.25));
    assertThat(r).hasToString(
        "ZoneRouting{aware a, clients {a=0.5, b=0.25, c=0.25}, min 6}");
  }

  @Test
  void clientShares_negative() {
    assertThatThrownBy(() -> ZoneRouting.builder("a").clientShares(Map.of("a", 1, "b", -1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clientShares: b=-1 (expected: a finite number >= 0)");
  }

  @Test
  void clientShares_notFinite() {
    assertThatThrownBy(() -> ZoneRouting.builder("a").clientShares(Map.of("a", Double.NaN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clientShares: a=NaN (expected: a finite number >= 0)");
    assertThatThrownBy(() -> ZoneRouting.builder("a")
        .clientShares(Map.of("a", Double.POSITIVE_INFINITY)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clientShares: a=Infinity (expected: a finite number >= 0)");
  }

  @Test
  void clientShares_callerZoneMissing() {
    assertThatThrownBy(() -> ZoneRouting.builder("a").clientShares(Map.of("b", 1, "a", 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clientShares: {a=0.0, b=1.0} (expected: a share above 0 for the caller's"
            + " zone a)");
  }

  @Test
  void clientShares_invalidZone() {
    assertThatThrownBy(() -> ZoneRouting.builder("a").clientShares(Map.of("a", 1, "b c", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clientShares zone: 'b c' (expected: non-empty, printable ASCII, no ';' or"
            + " spaces)");
  }

  @Test
  void clientShares_givenTwice() {
    ZoneRouting.Builder b = ZoneRouting.builder("a").clientShares(Map.of("a", 1, "b", 3));
    assertThatThrownBy(() -> b.clientShares(Map.of("a", 1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("clientShares was already set to {a=0.25, b=0.75}");
  }

  @Test
  void minEndpoints_belowOne() {
    assertThatThrownBy(() -> ZoneRouting.builder("a").minEndpoints(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minEndpoints: 0 (expected: >= 1)");
  }

  @Test
  void minEndpoints_givenTwice() {
    ZoneRouting.Builder b = ZoneRouting.builder("a").minEndpoints(3);
    assertThatThrownBy(() -> b.minEndpoints(4))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("minEndpoints was already set to 3");
  }

  @Test
  void equals_byValue() {
    assertThat(ZoneRouting.aware("a")).isEqualTo(ZoneRouting.builder("a").minEndpoints(6).build())
        .hasSameHashCodeAs(ZoneRouting.aware("a"))
        .isNotEqualTo(ZoneRouting.preferred("a"))
        .isNotEqualTo(ZoneRouting.aware("b"));
  }

  @Test
  void builderZone_givenTwice() {
    assertThatThrownBy(() -> LoadBalancer.builder("orders").zone("a")
        .zoneRouting(ZoneRouting.preferred("b")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("zone was already set to ZoneRouting{aware a, clients like endpoints, min 6}");
  }

  @Test
  void builderZoneRouting_null() {
    assertThatThrownBy(() -> LoadBalancer.builder("orders").zoneRouting(null))
        .isInstanceOf(NullPointerException.class).hasMessage("routing");
  }
}
