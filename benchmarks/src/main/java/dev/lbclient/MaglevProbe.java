package dev.lbclient;

import dev.lbclient.bench.Workload;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Read-only access to the Maglev table of {@link Strategy#consistentHash()} for the hash-quality
 * report: slot counts, key owners and build time. Benchmark-only.
 */
public final class MaglevProbe {
  private MaglevProbe() {}

  /** Maps a key to the address of its owner, ignoring load. */
  public interface Owners {
    String owner(String key);
  }

  /** The table for one pool: its size, and per endpoint (in address order) slots and weight. */
  public record Table(int size, String[] addresses, int[] slots, int[] weights) {}

  public static Table table(Workload w) {
    EndpointState[] sorted = LbClientTargets.seededStates(w);
    Arrays.sort(sorted, Comparator.comparing(EndpointState::address));
    int m = MaglevStrategy.tableSize(sorted.length);
    int[] table = MaglevStrategy.buildTable(sorted, m);
    int[] slots = new int[sorted.length];
    for (int owner : table) {
      slots[owner]++;
    }
    String[] addresses = new String[sorted.length];
    int[] weights = new int[sorted.length];
    for (int i = 0; i < sorted.length; i++) {
      addresses[i] = sorted[i].address();
      weights[i] = sorted[i].endpoint().weight();
    }
    return new Table(m, addresses, slots, weights);
  }

  /** The table size {@link Strategy#consistentHash()} uses for this many endpoints. */
  public static int tableSize(int endpoints) {
    return MaglevStrategy.tableSize(endpoints);
  }

  /** Key owners in the table built over exactly these endpoints. */
  public static Owners owners(List<Endpoint> endpoints) {
    MaglevStrategy.MaglevPicker picker = picker(endpoints);
    return key -> picker.states[picker.owner(key)].address();
  }

  /** Nanoseconds to build one consistent-hash picker (sort, table, shares) over the workload. */
  public static long buildNanos(Workload w) {
    EndpointState[] states = LbClientTargets.seededStates(w);
    PickerEnv env = new PickerEnv(Randoms.threadLocal(), new LongAdder());
    long start = System.nanoTime();
    Picker picker = MaglevStrategy.KEY.newPicker(states, env);
    long elapsed = System.nanoTime() - start;
    if (picker.states.length != states.length) {
      throw new AssertionError("picker lost endpoints");
    }
    return elapsed;
  }

  public static List<Endpoint> endpoints(Workload w) {
    return List.of(LbClientTargets.endpoints(w));
  }

  private static MaglevStrategy.MaglevPicker picker(List<Endpoint> endpoints) {
    EndpointState[] states = new EndpointState[endpoints.size()];
    for (int i = 0; i < states.length; i++) {
      states[i] = new EndpointState(endpoints.get(i), 10_000.0);
    }
    return (MaglevStrategy.MaglevPicker) MaglevStrategy.KEY.newPicker(
        states, new PickerEnv(Randoms.threadLocal(), new LongAdder()));
  }
}
