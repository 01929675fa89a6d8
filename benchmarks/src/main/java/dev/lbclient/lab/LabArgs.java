package dev.lbclient.lab;

/** Command-line helpers shared by the lab's and the benchmarks' mains. */
public final class LabArgs {
  private LabArgs() {}

  /** The value after option {@code option} at {@code args[i]}, or a message naming the option. */
  public static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + ": a value is required");
    }
    return args[i];
  }

  /** {@code v} as a positive number, or a message naming the option and the value. */
  public static double positive(String option, String v) {
    double d = Double.parseDouble(v);
    if (!(d > 0)) {
      throw new IllegalArgumentException(option + ": " + v + " (expected: > 0)");
    }
    return d;
  }
}
