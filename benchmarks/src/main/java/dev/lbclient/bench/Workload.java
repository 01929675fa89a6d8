package dev.lbclient.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * The inputs every target is built from, so that all of them choose among the same servers: n
 * addresses, their weights and a fixed set of request keys.
 *
 * <p>Weights: {@code equal} = all 1; {@code distinct} = {@code 1 + i % 10}, ten capacity classes
 * repeating, so the weighted round-robin cycle (5.5 n) grows with n like the pool does;
 * {@code ramp} = {@code 1 + i} (weights 1..n, all different; the weighted round-robin cycle is
 * n(n+1)/2).
 */
public final class Workload {
  /** Number of precomputed keys; a power of two. */
  public static final int KEYS = 4096;
  public static final int KEY_MASK = KEYS - 1;
  public static final int PORT = 8080;

  private final int size;
  private final String weightsName;
  private final String[] hosts;
  private final int[] weights;
  private final String[] keys;
  private final String[] clientAddresses;

  private Workload(int size, String weightsName) {
    if (size < 2) {
      throw new IllegalArgumentException("endpoints: " + size + " (expected: >= 2)");
    }
    this.size = size;
    this.weightsName = weightsName;
    this.hosts = new String[size];
    this.weights = new int[size];
    for (int i = 0; i < size; i++) {
      hosts[i] = "10.1." + (i / 250) + "." + (1 + i % 250);
      weights[i] = switch (weightsName) {
        case "equal" -> 1;
        case "distinct" -> 1 + i % 10;
        case "ramp" -> 1 + i;
        default -> throw new IllegalArgumentException(
            "weights: " + weightsName + " (expected: equal, distinct or ramp)");
      };
    }
    this.keys = new String[KEYS];
    this.clientAddresses = new String[KEYS];
    for (int k = 0; k < KEYS; k++) {
      keys[k] = "user-" + k;
      clientAddresses[k] = "198.18." + (k >>> 8) + "." + (k & 0xFF);
    }
  }

  public static Workload of(int endpoints, String weights) {
    return new Workload(endpoints, weights.toLowerCase(Locale.ROOT));
  }

  public int size() {
    return size;
  }

  public String weightsName() {
    return weightsName;
  }

  public boolean equalWeights() {
    return weightsName.equals("equal");
  }

  public String host(int i) {
    return hosts[i];
  }

  public String address(int i) {
    return hosts[i] + ":" + PORT;
  }

  public int weight(int i) {
    return weights[i];
  }

  /** Request keys (user ids), {@link #KEYS} of them. */
  public String[] keys() {
    return keys.clone();
  }

  /** Client addresses for source-address hashing, {@link #KEYS} of them. */
  public String[] clientAddresses() {
    return clientAddresses.clone();
  }

  @Override
  public String toString() {
    return "Workload{" + size + " endpoints, weights " + weightsName + " "
        + Arrays.toString(Arrays.copyOf(weights, Math.min(12, size))) + "}";
  }
}
