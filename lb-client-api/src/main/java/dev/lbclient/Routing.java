package dev.lbclient;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * How a snapshot splits its calls between priority levels and zones, as shares per group and as
 * text: for the log, the {@code onRoutingChanged} event and deciding whether the split changed
 * enough to say so. Immutable.
 */
final class Routing {
  static final Routing NONE = new Routing(Map.of(), "");

  /** One group of a split: endpoints of one level (and zone) with their share of the calls. */
  static final class Group {
    final int level;
    /** The zone, or null for a whole level or (preferred routing) the other zones. */
    final @Nullable String zone;
    final boolean local;
    final boolean otherZones;
    final EndpointState[] states;
    final double share;
    /** A level in panic: its share goes to all its endpoints, usable or not. */
    final boolean panic;

    private Group(int level, @Nullable String zone, boolean local, boolean otherZones,
        EndpointState[] states, double share, boolean panic) {
      this.level = level;
      this.zone = zone;
      this.local = local;
      this.otherZones = otherZones;
      this.states = states;
      this.share = share;
      this.panic = panic;
    }

    static Group level(int level, EndpointState[] states, double share, boolean panic) {
      return new Group(level, null, false, false, states, share, panic);
    }

    static Group zone(int level, String zone, boolean local, EndpointState[] states,
        double share) {
      return new Group(level, zone, local, false, states, share, false);
    }

    /** Preferred routing's fallback: the level's usable endpoints outside the caller's zone. */
    static Group otherZones(int level, EndpointState[] states) {
      return new Group(level, null, false, true, states, 0.0, false);
    }

    /** "level/zone", "level/*" for the other zones, "level/" for a whole level. */
    String key() {
      return level + "/" + (zone != null ? zone : otherZones ? "*" : "");
    }

    /**
     * For example {@code zone eu-1a (local, 60% of calls)}, {@code priority 1, zone eu-1b (12% of
     * calls)} or {@code priority 1 (16% of calls, in panic: all its endpoints)}.
     */
    String label(boolean levelsNamed) {
      StringBuilder sb = new StringBuilder();
      if (levelsNamed) {
        sb.append("priority ").append(level);
      }
      String place = zone != null ? "zone " + zone : otherZones ? "other zones" : null;
      if (place != null) {
        sb.append(levelsNamed ? ", " : "").append(place);
      }
      return sb.append(" (").append(local ? "local, " : "").append(percent(share))
          .append(" of calls").append(panic ? ", in panic: all its endpoints)" : ")").toString();
    }
  }

  /** Share per group key. */
  final Map<String, Double> shares;
  /** The groups with calls and any reason zone routing is off; "" for none. */
  final String summary;

  private Routing(Map<String, Double> shares, String summary) {
    this.shares = shares;
    this.summary = summary;
  }

  /** The split into {@code groups}, with {@code notes} on where zone routing is off. */
  static Routing of(List<Group> groups, List<String> notes, boolean levelsNamed) {
    if (groups.isEmpty() && notes.isEmpty()) {
      return NONE;
    }
    Map<String, Double> shares = new TreeMap<>();
    List<String> parts = new ArrayList<>();
    for (Group g : groups) {
      shares.put(g.key(), g.share);
      if (g.share > 0) {
        parts.add(g.label(levelsNamed));
      }
    }
    parts.addAll(notes);
    return new Routing(shares, String.join("; ", parts));
  }

  /**
   * True when a group came or went or a share moved by 5 points or more since {@code before}, or,
   * without groups, when the reason zone routing is off changed.
   */
  boolean differsMaterially(Routing before) {
    if (!shares.keySet().equals(before.shares.keySet())) {
      return true;
    }
    for (Map.Entry<String, Double> e : shares.entrySet()) {
      if (Math.abs(e.getValue() - before.shares.get(e.getKey())) >= 0.05) {
        return true;
      }
    }
    return shares.isEmpty() && !summary.equals(before.summary);
  }

  /** 0.6 as {@code 60%}, 0.58333 as {@code 58.3%}. */
  static String percent(double share) {
    String s = String.format(Locale.ROOT, "%.1f", share * 100);
    return (s.endsWith(".0") ? s.substring(0, s.length() - 2) : s) + "%";
  }
}
