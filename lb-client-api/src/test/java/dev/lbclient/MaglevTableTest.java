package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fast Maglev population (bitmap probes, end game over the free slots, packed owners) must
 * give exactly the table of the paper's plain loop, slot for slot; and a picker built after a
 * change must hold the table a fresh build gives.
 */
class MaglevTableTest {
  private static final long SEED_OFFSET = 0x9E3779B97F4A7C15L;
  private static final long SEED_SKIP = 0xC2B2AE3D27D4EB4FL;

  /** The population as it was first written: a 64-bit remainder per probe, an int[] table. */
  static int[] reference(EndpointState[] states, int[] weights, int m) {
    int n = states.length;
    long[] offset = new long[n];
    long[] skip = new long[n];
    long[] next = new long[n];
    long[] credit = new long[n];
    long maxWeight = 0;
    for (int i = 0; i < n; i++) {
      String address = states[i].address();
      credit[i] = Long.MAX_VALUE / 4;
      offset[i] = Long.remainderUnsigned(Hashing.hash64(address, SEED_OFFSET), m);
      skip[i] = Long.remainderUnsigned(Hashing.hash64(address, SEED_SKIP), m - 1) + 1;
      maxWeight = Math.max(maxWeight, weights[i]);
    }
    int[] table = new int[m];
    Arrays.fill(table, -1);
    int filled = 0;
    while (true) {
      for (int i = 0; i < n; i++) {
        if (credit[i] >= Long.MAX_VALUE / 4) {
          credit[i] = 0;
        } else {
          credit[i] += weights[i];
          if (credit[i] < maxWeight) {
            continue;
          }
          credit[i] -= maxWeight;
        }
        int slot;
        do {
          slot = (int) ((offset[i] + next[i] * skip[i]) % m);
          next[i]++;
        } while (table[slot] >= 0);
        table[slot] = i;
        if (++filled == m) {
          return table;
        }
      }
    }
  }

  private static EndpointState[] states(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    EndpointState[] states = new EndpointState[n];
    for (int i = 0; i < n; i++) {
      Endpoint e = Endpoint.of("10." + random.nextInt(256) + "." + (i >> 8 & 0xff) + "."
          + (i & 0xff), 1 + random.nextInt(65_535));
      states[i] = new EndpointState(e, 10_000);
    }
    return states;
  }

  private static int[] weights(int n, int max, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[] w = new int[n];
    for (int i = 0; i < n; i++) {
      w[i] = 1 + random.nextInt(max);
    }
    return w;
  }

  @ParameterizedTest
  @CsvSource({
      "1, 65537, 1", "2, 257, 1", "3, 65537, 1", "7, 1031, 1", "10, 65537, 1", "100, 65537, 1",
      "255, 65537, 1", "256, 65537, 1", "257, 65537, 1", "500, 65537, 1", "300, 1031, 1",
      "1000, 1031, 1", "5, 65537, 10", "50, 65537, 3", "100, 65537, 1000", "7, 65537, 65535",
      "1000, 65537, 10", "64, 10007, 7"})
  void populate_sameTableAsThePlainLoop(int n, int m, int maxWeight) {
    for (long seed = 1; seed <= 3; seed++) {
      EndpointState[] states = states(n, seed);
      int[] weights = maxWeight == 1 ? new int[n] : weights(n, maxWeight, seed);
      if (maxWeight == 1) {
        Arrays.fill(weights, 1);
      }

      assertThat(MaglevStrategy.buildTable(states, weights, m))
          .as("n=%d m=%d weights<=%d seed=%d", n, m, maxWeight, seed)
          .isEqualTo(reference(states, weights, m));
    }
  }

  @Test
  void populate_sameTableAsThePlainLoop_ladderSize() {
    EndpointState[] states = states(1_000, 9);
    int[] weights = new int[1_000];
    Arrays.fill(weights, 1);
    int m = MaglevStrategy.tableSize(1_000);

    assertThat(MaglevStrategy.buildTable(states, weights, m))
        .isEqualTo(reference(states, weights, m));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 5, 64, 100, 1_000, 16_384, 16_385, 100_000, 1 << 20})
  void packedTable_readsBackWhatWasSet(int endpoints) {
    int size = 10_007;
    MaglevTable table = new MaglevTable(size, endpoints);
    int[] owners = new int[size];
    SplittableRandom random = new SplittableRandom(endpoints);
    for (int slot = 0; slot < size; slot++) {
      owners[slot] = random.nextInt(endpoints);
      table.set(slot, owners[slot]);
    }

    assertThat(table.toArray()).isEqualTo(owners);
    for (int slot = 0; slot < size; slot++) {
      assertThat(table.owner(slot)).isEqualTo(owners[slot]);
    }
  }

  @Test
  void inverseMod_isTheInverse() {
    int m = 6_553_621;
    SplittableRandom random = new SplittableRandom(3);
    for (int k = 0; k < 1_000; k++) {
      long a = 1 + random.nextInt(m - 1);
      assertThat(a * MaglevTable.inverseMod(a, m) % m).isEqualTo(1);
    }
  }

  // ---- reuse and rebuild inside a load balancer ---------------------------------------------

  private static int[] ownersByAddress(MaglevStrategy.MaglevPicker picker, List<String> order) {
    // The owner of each slot, as an index into a fixed list of addresses.
    int[] owners = picker.table().toArray();
    int[] byAddress = new int[owners.length];
    for (int slot = 0; slot < owners.length; slot++) {
      byAddress[slot] = order.indexOf(picker.states[owners[slot]].address());
    }
    return byAddress;
  }

  private static MaglevStrategy.MaglevPicker fresh(List<Endpoint> endpoints) {
    EndpointState[] states = new EndpointState[endpoints.size()];
    for (int i = 0; i < states.length; i++) {
      states[i] = new EndpointState(endpoints.get(i), 10_000);
    }
    return (MaglevStrategy.MaglevPicker) MaglevStrategy.KEY.newPicker(states,
        new PickerEnv(Randoms.seeded(1), new LongAdder()));
  }

  @Test
  void afterChanges_tableIsWhatAFreshBuildGives() {
    List<Endpoint> endpoints = new ArrayList<>(List.of(TestSupport.endpoints(40)));
    MutableEndpointSource source = EndpointSource.mutable(endpoints.toArray(new Endpoint[0]));
    DefaultLoadBalancer lb = (DefaultLoadBalancer) LoadBalancer.builder("maglev")
        .endpoints(source).strategy(Strategy.consistentHash()).build();
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      addresses.add(Endpoint.of("10.9.0." + i, 80).address());
    }
    for (Endpoint e : endpoints) {
      addresses.add(e.address());
    }

    for (int change = 0; change < 6; change++) {
      switch (change % 3) {
        case 0 -> endpoints.remove(change * 5); // one leaves
        case 1 -> endpoints.add(change * 3, Endpoint.of("10.9.0." + change, 80)); // one joins
        default -> endpoints.set(change, endpoints.get(change).withWeight(3)); // a weight changes
      }
      source.set(endpoints);
      MaglevStrategy.MaglevPicker live =
          (MaglevStrategy.MaglevPicker) lb.publisherSnapshot().picker;

      assertThat(ownersByAddress(live, addresses)).as("after change %d", change)
          .isEqualTo(ownersByAddress(fresh(endpoints), addresses));
    }
  }

  @Test
  void sameSetInAnotherOrder_reusesTheTable() {
    List<Endpoint> endpoints = new ArrayList<>(List.of(TestSupport.endpoints(30)));
    MutableEndpointSource source = EndpointSource.mutable(endpoints.toArray(new Endpoint[0]));
    DefaultLoadBalancer lb = (DefaultLoadBalancer) LoadBalancer.builder("maglev")
        .endpoints(source).strategy(Strategy.consistentHash()).build();
    MaglevTable before =
        ((MaglevStrategy.MaglevPicker) lb.publisherSnapshot().picker).table();

    java.util.Collections.reverse(endpoints);
    source.set(endpoints);

    assertThat(((MaglevStrategy.MaglevPicker) lb.publisherSnapshot().picker).table())
        .isSameAs(before);
  }
}
