package dev.lbclient;

import java.util.HashSet;
import java.util.Set;

/**
 * Remembers which settings of a builder were given, so that one given twice is refused with the
 * earlier value rather than silently replaced. Not thread-safe, as builders are not.
 */
final class SetOnce {
  private final Set<String> given = new HashSet<>();

  /**
   * Marks {@code setting} as given.
   *
   * @throws IllegalStateException if it was given before; the message names its current value
   */
  void check(String setting, Object current) {
    if (!given.add(setting)) {
      throw new IllegalStateException(setting + " was already set to " + current);
    }
  }
}
