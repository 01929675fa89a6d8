package dev.lbclient.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Argument checks of the factories and the builder; nothing here talks to a server. */
class KubernetesEndpointSourceBuilderTest {
  private static KubernetesClient client;

  @BeforeAll
  static void client() {
    // Building a client does not connect; this one is never used to send a request.
    client = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:1/").build())
        .build();
  }

  @AfterAll
  static void closeClient() {
    client.close();
  }

  private static KubernetesEndpointSource.Builder builder() {
    return KubernetesEndpointSource.builder(client, "default", "orders", "http");
  }

  @Test
  void of_defaults_description() {
    KubernetesEndpointSource source = KubernetesEndpointSource.of(client, "default", "orders", "http");
    assertThat(source.description()).isEqualTo("EndpointSlices default/orders port http");
    assertThat(source).hasToString(
        "KubernetesEndpointSource{EndpointSlices default/orders port http}");
    assertThat(source.applyEmptyAnswers).isFalse();
    assertThat(source.terminatingFallback).isTrue();
    assertThat(source.initialTimeoutNanos).isEqualTo(Duration.ofSeconds(5).toNanos());
    assertThat(source.disconnectGraceNanos).isEqualTo(Duration.ofSeconds(5).toNanos());
  }

  @Test
  void of_nullArguments_namedInTheException() {
    assertThatThrownBy(() -> KubernetesEndpointSource.of(null, "default", "orders", "http"))
        .isInstanceOf(NullPointerException.class).hasMessage("client");
    assertThatThrownBy(() -> KubernetesEndpointSource.of(client, null, "orders", "http"))
        .isInstanceOf(NullPointerException.class).hasMessage("namespace");
    assertThatThrownBy(() -> KubernetesEndpointSource.of(client, "default", null, "http"))
        .isInstanceOf(NullPointerException.class).hasMessage("service");
    assertThatThrownBy(() -> KubernetesEndpointSource.of(client, "default", "orders", null))
        .isInstanceOf(NullPointerException.class).hasMessage("portName");
    assertThatThrownBy(() -> KubernetesEndpointSource.of(client, "default", "orders", "http")
        .start(null)).isInstanceOf(NullPointerException.class).hasMessage("listener");
    assertThatThrownBy(() -> builder().initialTimeout(null))
        .isInstanceOf(NullPointerException.class).hasMessage("timeout");
  }

  @Test
  void namespace_blank() {
    assertThatThrownBy(() -> KubernetesEndpointSource.of(client, " ", "orders", "http"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("namespace: ' ' (expected: a Kubernetes name: lowercase letters, digits and"
            + " '-', at most 63 characters)");
    assertThatThrownBy(() -> KubernetesEndpointSource.of(client, "", "orders", "http"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("namespace: ''");
  }

  @Test
  void service_notALabelStartingWithALetter() {
    assertThatThrownBy(() -> KubernetesEndpointSource.of(client, "default", "1orders", "http"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("service: '1orders' (expected: a Kubernetes name: lowercase letters, digits"
            + " and '-', starting with a letter, at most 63 characters)");
    assertThatThrownBy(() -> KubernetesEndpointSource.of(client, "default", "Orders", "http"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("service: 'Orders'");
    assertThatThrownBy(() -> KubernetesEndpointSource.of(client, "default", "orders-", "http"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("service: 'orders-'");
    assertThatThrownBy(() -> KubernetesEndpointSource.of(client, "default", "a".repeat(64), "http"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("service: 'aaaa");
  }

  @Test
  void portName_blankOrInvalid() {
    assertThatThrownBy(() -> KubernetesEndpointSource.of(client, "default", "orders", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("portName: '' (expected: a Kubernetes name: lowercase letters, digits and"
            + " '-', at most 63 characters)");
    assertThatThrownBy(() -> KubernetesEndpointSource.of(client, "default", "orders", "http/2"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("portName: 'http/2'");
  }

  @Test
  void names_validOnes_accepted() {
    assertThat(KubernetesEndpointSource.of(client, "kube-system", "o", "8080-tcp").description())
        .isEqualTo("EndpointSlices kube-system/o port 8080-tcp");
  }

  @Test
  void initialTimeout_outOfRange() {
    assertThatThrownBy(() -> builder().initialTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("initialTimeout: PT0S (expected: PT0.001S..PT1M)");
    assertThatThrownBy(() -> builder().initialTimeout(Duration.ofMinutes(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("initialTimeout: PT2M (expected: PT0.001S..PT1M)");
    assertThat(builder().initialTimeout(Duration.ofMillis(250)).build().initialTimeoutNanos)
        .isEqualTo(250_000_000L);
  }

  @Test
  void settings_givenTwice_nameTheEarlierValue() {
    assertThatThrownBy(() -> builder().applyEmptyAnswers(false).applyEmptyAnswers(true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("applyEmptyAnswers was already set to false");
    assertThatThrownBy(() -> builder().terminatingFallback(true).terminatingFallback(false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("terminatingFallback was already set to true");
    assertThatThrownBy(() -> builder().initialTimeout(Duration.ofSeconds(1))
        .initialTimeout(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("initialTimeout was already set to PT1S");
  }

  @Test
  void settings_applied() {
    KubernetesEndpointSource source =
        builder().applyEmptyAnswers(true).terminatingFallback(false).build();
    assertThat(source.applyEmptyAnswers).isTrue();
    assertThat(source.terminatingFallback).isFalse();
  }
}
