package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The subsetting algorithms as pure functions: the properties every one must have (parameterized
 * over all three), then balance and churn, counted over whole simulated fleets.
 */
class SubsetterTest {

  /** Each algorithm, given client i of n. */
  enum Algorithm {
    RING {
      @Override
      List<Endpoint> subset(List<Endpoint> all, int client, int clients, int k) {
        return Subsetter.ring(all, client, clients, k);
      }
    },
    RENDEZVOUS {
      @Override
      List<Endpoint> subset(List<Endpoint> all, int client, int clients, int k) {
        return Subsetter.rendezvous(all, "client-" + client, k);
      }
    },
    ROUNDS {
      @Override
      List<Endpoint> subset(List<Endpoint> all, int client, int clients, int k) {
        return Subsetter.rounds(all, client, k);
      }
    };

    abstract List<Endpoint> subset(List<Endpoint> all, int client, int clients, int k);
  }

  // ---- every algorithm

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void subset_sameInputsSameSubset(Algorithm a) {
    List<Endpoint> all = servers(50);
    for (int client = 0; client < 20; client++) {
      assertThat(a.subset(servers(50), client, 20, 7)).isEqualTo(a.subset(all, client, 20, 7));
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void subset_orderOfListDoesNotMatter(Algorithm a) {
    List<Endpoint> all = servers(50);
    Random random = new Random(1);
    for (int round = 0; round < 5; round++) {
      List<Endpoint> shuffled = new ArrayList<>(all);
      Collections.shuffle(shuffled, random);
      for (int client = 0; client < 20; client++) {
        assertThat(a.subset(shuffled, client, 20, 7)).isEqualTo(a.subset(all, client, 20, 7));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void subset_sizeIsSubsetSizeOrEveryServer(Algorithm a) {
    for (int m : new int[] {1, 4, 5, 6, 9, 10, 11, 50}) {
      List<Endpoint> all = servers(m);
      for (int client = 0; client < 12; client++) {
        List<Endpoint> subset = a.subset(all, client, 12, 5);
        assertThat(subset).as("M = %d, client %d", m, client).hasSize(Math.min(5, m))
            .doesNotHaveDuplicates();
        assertThat(all).containsAll(subset);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void subset_emptyList(Algorithm a) {
    assertThat(a.subset(List.of(), 0, 1, 3)).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void subset_duplicateAddressCountsOnceAndFirstOccurrenceWins(Algorithm a) {
    List<Endpoint> all = servers(3);
    List<Endpoint> doubled = new ArrayList<>(all);
    doubled.add(all.get(1).withWeight(9));
    doubled.add(0, all.get(2).withZone("z"));
    List<Endpoint> subset = a.subset(doubled, 0, 1, 10);
    assertThat(subset).hasSize(3).contains(all.get(0), all.get(1), all.get(2).withZone("z"));
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void subset_weightsDoNotChangeTheChoice(Algorithm a) {
    List<Endpoint> all = servers(40);
    List<Endpoint> weighted = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      weighted.add(all.get(i).withWeight(1 + i % 7));
    }
    for (int client = 0; client < 10; client++) {
      assertThat(addresses(a.subset(weighted, client, 10, 6)))
          .isEqualTo(addresses(a.subset(all, client, 10, 6)));
    }
  }

  // ---- ring: balance

  @Test
  void ring_clientsPerServerWithinOneOfTheMean() {
    int[][] shapes = {{1000, 300, 30}, {100, 1000, 10}, {5000, 50, 10}, {997, 293, 25},
        {7, 10, 3}, {3, 100, 5}, {64, 64, 1}};
    for (int[] s : shapes) {
      int[] clients = clientsPerServer(Algorithm.RING, s[0], s[1], s[2]);
      double mean = (double) s[0] * s[2] / s[1];
      for (int c : clients) {
        assertThat(c).as("N = %d, M = %d, k = %d", s[0], s[1], s[2])
            .isBetween((int) Math.floor(mean), (int) Math.ceil(mean));
      }
    }
  }

  @Test
  void ring_everyServerUsedWhenClientsTimesSubsetCoverTheServers() {
    int[][] shapes = {{100, 1000, 10}, {10, 95, 10}, {33, 100, 4}, {1, 5, 5}, {2, 9, 5}};
    for (int[] s : shapes) {
      assertThat((long) s[0] * s[2]).isGreaterThanOrEqualTo(s[1]);
      assertThat(clientsPerServer(Algorithm.RING, s[0], s[1], s[2]))
          .as("N = %d, M = %d, k = %d", s[0], s[1], s[2]).doesNotContain(0);
    }
  }

  // ---- ring: churn

  @Test
  void ring_addOneServer_eachClientLosesAtMostOneAndFewLoseAny() {
    // 1,000 clients, 300 servers, k = 30: a balanced layout must move at least N k / (M + 1) = 100
    // pairs to fill the new server; the ring moves about 4 times that, not the 27,000 of a
    // reshuffle.
    for (int added = 0; added < 3; added++) {
      Churn churn = churn(Algorithm.RING, servers(300), 1000, withServer(servers(300), 300 + added),
          1000, 30);
      assertThat(churn.maxPerClient).isLessThanOrEqualTo(1);
      assertThat(churn.moved).isBetween(100L, 600L);
    }
  }

  @Test
  void ring_removeOneServer_eachClientLosesAtMostOneBesideIt() {
    List<Endpoint> all = servers(300);
    for (int removed : new int[] {0, 150, 299}) {
      List<Endpoint> fewer = new ArrayList<>(all);
      fewer.remove(removed);
      Churn churn = churn(Algorithm.RING, all, 1000, fewer, 1000, 30);
      assertThat(churn.maxPerClient).isLessThanOrEqualTo(1);
      assertThat(churn.moved).isLessThanOrEqualTo(600L);
    }
  }

  @Test
  void ring_addOneClient_eachClientLosesAtMostOneWhenClientsOutnumberServers() {
    Churn churn = churn(Algorithm.RING, servers(300), 1000, servers(300), 1001, 30);
    assertThat(churn.maxPerClient).isLessThanOrEqualTo(1);
    // Client i's start moves by i M / (N (N + 1)) < 0.3 slots: about M / 2 = 150 pairs in all.
    assertThat(churn.moved).isLessThanOrEqualTo(300L);
  }

  @Test
  void ring_removeLastClient_eachClientLosesAtMostOneWhenClientsOutnumberServers() {
    Churn churn = churn(Algorithm.RING, servers(300), 1000, servers(300), 999, 30);
    assertThat(churn.maxPerClient).isLessThanOrEqualTo(1);
    assertThat(churn.moved).isLessThanOrEqualTo(300L);
  }

  @Test
  void ring_addOneClient_fewClientsManyServers_startsMoveByUpToMOverNSlots() {
    // The ring's known cost: with 100 clients on 1,000 servers a start moves by up to 10 slots,
    // so a client may lose its whole subset; about half the pairs move.
    Churn churn = churn(Algorithm.RING, servers(1000), 100, servers(1000), 101, 10);
    assertThat(churn.maxPerClient).isLessThanOrEqualTo(10);
    assertThat(churn.moved).isLessThanOrEqualTo(600L);
  }

  // ---- rendezvous and rounds

  @Test
  void rendezvous_addOneServer_onlyClientsThatTakeItChangeAndByOne() {
    List<Endpoint> all = servers(300);
    Endpoint added = server(300);
    List<Endpoint> more = withServer(all, 300);
    int taking = 0;
    for (int client = 0; client < 1000; client++) {
      Set<Endpoint> before = new HashSet<>(Algorithm.RENDEZVOUS.subset(all, client, 1000, 30));
      Set<Endpoint> after = new HashSet<>(Algorithm.RENDEZVOUS.subset(more, client, 1000, 30));
      if (after.contains(added)) {
        taking++;
        after.remove(added);
        assertThat(before).containsAll(after).hasSize(after.size() + 1);
      } else {
        assertThat(after).isEqualTo(before);
      }
    }
    // Expected N k / (M + 1) = 99.7.
    assertThat(taking).isBetween(70, 130);
  }

  @Test
  void rendezvous_removeOneServer_onlyItsClientsChangeAndByOne() {
    List<Endpoint> all = servers(300);
    List<Endpoint> fewer = new ArrayList<>(all);
    Endpoint removed = fewer.remove(42);
    int losing = 0;
    for (int client = 0; client < 1000; client++) {
      Set<Endpoint> before = new HashSet<>(Algorithm.RENDEZVOUS.subset(all, client, 1000, 30));
      Set<Endpoint> after = new HashSet<>(Algorithm.RENDEZVOUS.subset(fewer, client, 1000, 30));
      if (before.remove(removed)) {
        losing++;
        assertThat(after).containsAll(before).hasSize(before.size() + 1);
      } else {
        assertThat(after).isEqualTo(before);
      }
    }
    assertThat(losing).isBetween(70, 130);
  }

  @Test
  void rounds_balancedWhenSubsetSizeDividesServers() {
    int[] clients = clientsPerServer(Algorithm.ROUNDS, 1000, 300, 30);
    assertThat(clients).containsOnly(100);
  }

  @Test
  void rounds_addOneServer_reshufflesNearlyEverySubset() {
    // Why the ring is the default: the SRE book's rounds move about (1 - k/M) of all pairs.
    Churn churn = churn(Algorithm.ROUNDS, servers(300), 1000, withServer(servers(300), 300),
        1000, 30);
    assertThat(churn.moved).isGreaterThan(20_000L);
  }

  // ---- the layout is a contract between clients: it must not change between versions or JVMs

  @Test
  void ring_goldenLayout() {
    List<Endpoint> all = servers(10);
    List<List<Integer>> layout = new ArrayList<>();
    for (int client = 0; client < 4; client++) {
      layout.add(numbers(Subsetter.ring(all, client, 4, 3)));
    }
    assertThat(layout).isEqualTo(GOLDEN_RING);
  }

  @Test
  void rendezvous_goldenSubset() {
    assertThat(numbers(Subsetter.rendezvous(servers(10), "client-a", 3)))
        .isEqualTo(GOLDEN_RENDEZVOUS);
  }

  /**
   * Ring order 3 7 4 6 9 1 5 2 0 8; clients 0..3 start at slots floor(10 i / 4 + 1/2) = 0, 3, 5, 8.
   */
  private static final List<List<Integer>> GOLDEN_RING =
      List.of(List.of(3, 7, 4), List.of(6, 9, 1), List.of(1, 5, 2), List.of(0, 8, 3));
  private static final List<Integer> GOLDEN_RENDEZVOUS = List.of(2, 5, 6);

  // ---- helpers

  /** {@code m} servers 10.1.x.y:8080, the first one being server(0). */
  static List<Endpoint> servers(int m) {
    List<Endpoint> all = new ArrayList<>();
    for (int i = 0; i < m; i++) {
      all.add(server(i));
    }
    return all;
  }

  static Endpoint server(int i) {
    return Endpoint.of("10.1." + (i / 250) + "." + (i % 250 + 1), 8080 + i % 3);
  }

  private static List<Endpoint> withServer(List<Endpoint> all, int i) {
    List<Endpoint> more = new ArrayList<>(all);
    more.add(server(i));
    return more;
  }

  private static List<String> addresses(List<Endpoint> subset) {
    List<String> out = new ArrayList<>();
    subset.forEach(e -> out.add(e.address()));
    return out;
  }

  /** Server i's number (its index in servers(m)), for readable golden layouts. */
  private static List<Integer> numbers(List<Endpoint> subset) {
    List<Integer> out = new ArrayList<>();
    for (Endpoint e : subset) {
      String[] octets = e.host().split("\\.");
      out.add(Integer.parseInt(octets[2]) * 250 + Integer.parseInt(octets[3]) - 1);
    }
    return out;
  }

  private static int[] clientsPerServer(Algorithm a, int n, int m, int k) {
    List<Endpoint> all = servers(m);
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < m; i++) {
      index.put(all.get(i).address(), i);
    }
    int[] counts = new int[m];
    for (int client = 0; client < n; client++) {
      for (Endpoint e : a.subset(all, client, n, k)) {
        counts[index.get(e.address())]++;
      }
    }
    return counts;
  }

  /**
   * Pairs moved from {@code before} to {@code after}: connections that clients present in both
   * close to servers present in both (those to a removed server must close anyway).
   */
  private static Churn churn(Algorithm a, List<Endpoint> before, int clientsBefore,
      List<Endpoint> after, int clientsAfter, int k) {
    Set<String> remaining = new HashSet<>(addresses(after));
    Churn churn = new Churn();
    for (int client = 0; client < Math.min(clientsBefore, clientsAfter); client++) {
      Set<String> now = new HashSet<>(addresses(a.subset(after, client, clientsAfter, k)));
      int lost = 0;
      for (Endpoint e : a.subset(before, client, clientsBefore, k)) {
        if (remaining.contains(e.address()) && !now.contains(e.address())) {
          lost++;
        }
      }
      churn.moved += lost;
      churn.maxPerClient = Math.max(churn.maxPerClient, lost);
    }
    return churn;
  }

  private static final class Churn {
    long moved;
    int maxPerClient;
  }
}
