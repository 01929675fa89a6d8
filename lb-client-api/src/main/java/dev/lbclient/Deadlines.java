package dev.lbclient;

/**
 * The earliest of several ticker readings, which may wrap (compared by signed difference). Used
 * while building a snapshot to find when it next changes by itself. Not thread-safe.
 */
final class Deadlines {
  private boolean any;
  private long earliest;

  /** The earlier of two readings. */
  static long earlier(long a, long b) {
    return a - b <= 0 ? a : b;
  }

  void add(long due) {
    earliest = any ? earlier(earliest, due) : due;
    any = true;
  }

  boolean any() {
    return any;
  }

  long earliest() {
    return earliest;
  }
}
