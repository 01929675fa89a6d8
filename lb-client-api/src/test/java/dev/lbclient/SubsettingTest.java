package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The public setting: validation, defaults, and which algorithm {@code select} runs. */
class SubsettingTest {

  @Test
  void of_rendezvousWithOneRandomIdPerProcess() {
    Subsetting s = Subsetting.of(30);
    assertThat(s.subsetSize()).isEqualTo(30);
    assertThat(s.clientIndex()).isEqualTo(-1);
    assertThat(s.clientCount()).isZero();
    assertThat(s.clientId()).isNotNull().isEqualTo(Subsetting.of(5).clientId());
    assertThat(UUID.fromString(s.clientId()).toString()).isEqualTo(s.clientId());
  }

  @Test
  void subsetSize_bounds() {
    assertThat(Subsetting.of(1).subsetSize()).isEqualTo(1);
    assertThat(Subsetting.of(Subsetting.MAX_SUBSET_SIZE).subsetSize()).isEqualTo(10_000);
  }

  @Test
  void subsetSize_zero() {
    assertThatThrownBy(() -> Subsetting.of(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("subsetSize: 0 (expected: 1..10000)");
  }

  @Test
  void subsetSize_tooLarge() {
    assertThatThrownBy(() -> Subsetting.builder(10_001))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("subsetSize: 10001 (expected: 1..10000)");
  }

  @Test
  void clientIndex_setsIndexAndCount() {
    Subsetting s = Subsetting.builder(10).clientIndex(3, 7).build();
    assertThat(s.clientIndex()).isEqualTo(3);
    assertThat(s.clientCount()).isEqualTo(7);
    assertThat(s.clientId()).isNull();
  }

  @Test
  void clientIndex_tooLarge() {
    assertThatThrownBy(() -> Subsetting.builder(10).clientIndex(5, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clientIndex: 5 (expected: 0..4)");
  }

  @Test
  void clientIndex_negative() {
    assertThatThrownBy(() -> Subsetting.builder(10).clientIndex(-1, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clientIndex: -1 (expected: 0..4)");
  }

  @Test
  void clientCount_zero() {
    assertThatThrownBy(() -> Subsetting.builder(10).clientIndex(0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clientCount: 0 (expected: >= 1)");
  }

  @Test
  void clientIndex_givenTwice() {
    Subsetting.Builder b = Subsetting.builder(10).clientIndex(1, 5);
    assertThatThrownBy(() -> b.clientIndex(2, 5))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("clientIndex was already set to 1 of 5");
  }

  @Test
  void clientId_givenTwice() {
    Subsetting.Builder b = Subsetting.builder(10).clientId("pod-a");
    assertThatThrownBy(() -> b.clientId("pod-b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("clientId was already set to pod-a");
  }

  @Test
  void clientId_afterClientIndex() {
    Subsetting.Builder b = Subsetting.builder(10).clientIndex(1, 5);
    assertThatThrownBy(() -> b.clientId("pod-a"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("clientId and clientIndex exclude each other; clientIndex was already set to"
            + " 1 of 5");
  }

  @Test
  void clientIndex_afterClientId() {
    Subsetting.Builder b = Subsetting.builder(10).clientId("pod-a");
    assertThatThrownBy(() -> b.clientIndex(1, 5))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("clientIndex and clientId exclude each other; clientId was already set to"
            + " pod-a");
  }

  @Test
  void clientId_empty() {
    assertThatThrownBy(() -> Subsetting.builder(10).clientId(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clientId: '' (expected: non-empty)");
  }

  @Test
  void clientId_null() {
    assertThatThrownBy(() -> Subsetting.builder(10).clientId(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("id");
  }

  @Test
  void select_withIndexRunsTheRing() {
    List<Endpoint> all = SubsetterTest.servers(40);
    for (int client = 0; client < 8; client++) {
      assertThat(Subsetting.builder(6).clientIndex(client, 8).build().select(all))
          .isEqualTo(Subsetter.ring(all, client, 8, 6));
    }
  }

  @Test
  void select_withIdRunsRendezvous() {
    List<Endpoint> all = SubsetterTest.servers(40);
    assertThat(Subsetting.builder(6).clientId("pod-a").build().select(all))
        .isEqualTo(Subsetter.rendezvous(all, "pod-a", 6));
    Subsetting random = Subsetting.of(6);
    assertThat(random.select(all))
        .isEqualTo(Subsetter.rendezvous(all, random.clientId(), 6));
  }

  @Test
  void select_orderOfListDoesNotMatter() {
    List<Endpoint> all = SubsetterTest.servers(40);
    List<Endpoint> shuffled = new ArrayList<>(all);
    Collections.shuffle(shuffled, new Random(7));
    Subsetting byIndex = Subsetting.builder(6).clientIndex(2, 8).build();
    Subsetting byId = Subsetting.of(6);
    assertThat(byIndex.select(shuffled)).isEqualTo(byIndex.select(all));
    assertThat(byId.select(shuffled)).isEqualTo(byId.select(all));
  }

  @Test
  void select_moreSubsetThanServersGivesEveryServer() {
    List<Endpoint> all = SubsetterTest.servers(4);
    assertThat(Subsetting.builder(6).clientIndex(2, 8).build().select(all))
        .containsExactlyInAnyOrderElementsOf(all);
    assertThat(Subsetting.of(6).select(all)).containsExactlyInAnyOrderElementsOf(all);
  }

  @Test
  void select_null() {
    assertThatThrownBy(() -> Subsetting.of(3).select(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("all");
  }

  @Test
  void equalsAndHashCode_byValue() {
    assertThat(Subsetting.builder(5).clientIndex(1, 3).build())
        .isEqualTo(Subsetting.builder(5).clientIndex(1, 3).build())
        .hasSameHashCodeAs(Subsetting.builder(5).clientIndex(1, 3).build())
        .isNotEqualTo(Subsetting.builder(5).clientIndex(2, 3).build())
        .isNotEqualTo(Subsetting.builder(6).clientIndex(1, 3).build());
    assertThat(Subsetting.builder(5).clientId("a").build())
        .isEqualTo(Subsetting.builder(5).clientId("a").build())
        .isNotEqualTo(Subsetting.builder(5).clientId("b").build());
  }

  @Test
  void toString_namesSizeAndClient() {
    assertThat(Subsetting.builder(5).clientIndex(1, 3).build())
        .hasToString("Subsetting{5 servers, client 1 of 3}");
    assertThat(Subsetting.builder(5).clientId("pod-a").build())
        .hasToString("Subsetting{5 servers, client id pod-a}");
  }
}
