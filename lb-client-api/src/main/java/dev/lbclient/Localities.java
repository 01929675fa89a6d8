package dev.lbclient;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which endpoints a snapshot's picks go to and in what proportions: panic, priority
 * levels (endpoint attribute {@value #PRIORITY}) and zones ({@link ZoneRouting}). Pure apart from
 * a cache of one {@link PickerEnv} per group (so each group's hash table is rebuilt only when the
 * group changes) and a one-time warning; called under the update lock.
 *
 * <p><b>One level</b> (every endpoint at the same priority, the usual case): panic as always, below
 * the threshold every endpoint is a candidate; otherwise the usable ones, split by zone when zone
 * routing applies. Without zone routing the picker is exactly the one built before priorities and
 * zones existed, so the picks are the same.
 *
 * <p><b>Several levels</b> (Envoy's priority load): level i with u of n endpoints usable has health
 * h = min(1, 1.4 u / n); with H = min(1, sum of the h), levels in order take
 * min(h / H, what is left) of the calls. So the highest level keeps every call down to 1 / 1.4 =
 * 71.4% usable, then sheds to the next level the share it lacks; when the levels together have
 * too little (H below 1) the shares are scaled up to sum to 1. Panic is per level: only when H is
 * below 1 is a level below the panic threshold in panic, and a level in panic spreads its share
 * over all its endpoints; when every level is, each takes a share in proportion to its size. With
 * {@code failOnPanic} a level in panic takes no calls and the others share them (Envoy fails that
 * level's share of the calls instead). Zone routing then applies within each level not in panic.
 */
final class Localities {
  static final String PRIORITY = "priority";
  /** Envoy's overprovisioning factor, 1.4, in percent: integers keep 5 of 7 usable at exactly 1. */
  static final int OVERPROVISIONING_PERCENT = 140;
  private static final Logger log = LoggerFactory.getLogger(Localities.class);
  private static final EndpointState[] NONE = new EndpointState[0];

  /** A snapshot's picker (null: picks fail with {@link #failure}), its panic and its split. */
  static final class Result {
    final @Nullable Picker picker;
    /** Calls go (or, with failOnPanic, would go) to a level or pool below the panic threshold. */
    final boolean inPanic;
    /** Calls go to all endpoints of a level in panic: a breaker's refusal does not move them. */
    final boolean panic;
    final String failure;
    final Routing routing;

    Result(@Nullable Picker picker, boolean inPanic, boolean panic, String failure,
        Routing routing) {
      this.picker = picker;
      this.inPanic = inPanic;
      this.panic = panic;
      this.failure = failure;
      this.routing = routing;
    }

    static Result failed(boolean inPanic, String failure) {
      return new Result(null, inPanic, false, failure, Routing.NONE);
    }
  }

  private final LbConfig config;
  private final SlowStart slowStart;
  private final PickerEnv env;
  private final @Nullable ZoneRouting zones;
  private final int hashing;
  private Map<String, PickerEnv> envs = new HashMap<>();
  private boolean warned;

  Localities(LbConfig config, SlowStart slowStart, PickerEnv env) {
    this.config = config;
    this.slowStart = slowStart;
    this.env = env;
    this.zones = config.zoneRouting;
    this.hashing = !(config.strategy instanceof MaglevStrategy) ? 0
        : config.strategy == MaglevStrategy.CLIENT_ADDRESS ? 2 : 1;
  }

  /** The picker and panic of a snapshot of {@code all}, {@code usable[i]} for all[i]. */
  Result build(EndpointState[] all, boolean[] usable, int usableCount, long now) {
    int[] priority = priorities(all);
    List<Routing.Group> groups = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    if (priority == null) {
      int threshold = config.panicThreshold;
      boolean inPanic = usableCount * 100 < threshold * all.length;
      EndpointState[] candidates = !inPanic ? select(all, usable, null, 0)
          : config.failOnPanic ? NONE : all;
      if (candidates.length == 0) {
        String service = config.serviceName;
        return Result.failed(inPanic, inPanic && config.failOnPanic && usableCount > 0
            ? "no endpoint available for " + service + ": only " + usableCount + " of "
                + all.length + " endpoints usable, below the panic threshold of " + threshold + "%"
            : "no endpoint available for " + service + ": all " + all.length
                + " endpoints are unusable");
      }
      int level = priorityOf(all[0].endpoint());
      if (inPanic || !zoneGroups(groups, notes, level, false, all, candidates, 1.0)) {
        if (inPanic && zones != null) {
          notes.add("zone routing off: in panic");
        }
        Picker plain = config.strategy.newPicker(candidates,
            slowStart.weights(config.strategy, candidates, now), env);
        return new Result(plain, inPanic, inPanic, "", Routing.of(List.of(), notes, false));
      }
      return new Result(picker(groups, false, now), false, false, "",
          Routing.of(groups, notes, false));
    }
    boolean[] inPanic = new boolean[1];
    Result failed = levels(groups, notes, all, priority, usable, inPanic);
    if (failed != null) {
      return failed;
    }
    return new Result(picker(groups, true, now), inPanic[0],
        inPanic[0] && !config.failOnPanic, "", Routing.of(groups, notes, true));
  }

  /**
   * Adds the groups of several levels; returns a failed result when no level can take calls.
   */
  private @Nullable Result levels(List<Routing.Group> out, List<String> notes,
      EndpointState[] all, int[] priority, boolean[] usable, boolean[] inPanic) {
    int[] levels = Arrays.stream(priority).distinct().sorted().toArray();
    int count = levels.length;
    int[] n = new int[count];
    int[] u = new int[count];
    for (int i = 0; i < all.length; i++) {
      int l = Arrays.binarySearch(levels, priority[i]);
      n[l]++;
      u[l] += usable[i] ? 1 : 0;
    }
    int threshold = config.panicThreshold;
    double[] health = new double[count];
    double sum = 0;
    for (int l = 0; l < count; l++) {
      health[l] = Math.min(1.0, (double) (OVERPROVISIONING_PERCENT * u[l]) / (100.0 * n[l]));
      sum += health[l];
    }
    double total = Math.min(1.0, sum);
    double[] load = new double[count];
    boolean[] panic = new boolean[count];
    boolean allPanic = threshold > 0;
    double left = 1.0;
    for (int l = 0; l < count; l++) {
      load[l] = total > 0 ? Math.min(left, health[l] / total) : 0;
      left -= load[l];
      panic[l] = total < 1.0 && u[l] * 100 < threshold * n[l];
      allPanic &= panic[l];
    }
    if (allPanic) { // every level below the threshold: all endpoints, each level by its size
      for (int l = 0; l < count; l++) {
        load[l] = (double) n[l] / all.length;
      }
    }
    for (int l = 0; l < count; l++) {
      inPanic[0] |= panic[l] && load[l] > 0;
    }
    if (config.failOnPanic) {
      double kept = 0;
      for (int l = 0; l < count; l++) {
        load[l] = panic[l] ? 0 : load[l];
        kept += load[l];
      }
      for (int l = 0; l < count; l++) {
        load[l] = kept > 0 ? load[l] / kept : 0;
      }
      if (kept == 0 && allPanic) {
        StringBuilder why = new StringBuilder("no endpoint available for ")
            .append(config.serviceName).append(": every priority level is below the panic"
                + " threshold of ").append(threshold).append("% (");
        for (int l = 0; l < count; l++) {
          why.append(l == 0 ? "" : ", ").append("priority ").append(levels[l]).append(": ")
              .append(u[l]).append(" of ").append(n[l]).append(" usable");
        }
        return Result.failed(true, why.append(')').toString());
      }
    }
    for (int l = 0; l < count; l++) {
      if (config.failOnPanic && panic[l]) {
        continue;
      }
      EndpointState[] levelAll = select(all, null, priority, levels[l]);
      if (panic[l]) {
        out.add(Routing.Group.level(levels[l], levelAll, load[l], true));
        continue;
      }
      EndpointState[] candidates = select(all, usable, priority, levels[l]);
      if (candidates.length > 0
          && !zoneGroups(out, notes, levels[l], true, levelAll, candidates, load[l])) {
        out.add(Routing.Group.level(levels[l], candidates, load[l], false));
      }
    }
    if (out.isEmpty()) {
      return Result.failed(inPanic[0], "no endpoint available for " + config.serviceName
          + ": all " + all.length + " endpoints are unusable");
    }
    return null;
  }

  /** {@link ZoneSplit#add}, when zone routing is on. */
  private boolean zoneGroups(List<Routing.Group> out, List<String> notes, int level, boolean named,
      EndpointState[] levelAll, EndpointState[] usable, double levelShare) {
    return zones != null && ZoneSplit.add(out, notes, zones, config.strategy.honorsWeights(), level,
        named, levelAll, usable, levelShare);
  }

  /** The picker over the groups; a group's picker is the strategy's, with its own table cache. */
  private Picker picker(List<Routing.Group> groups, boolean levelsNamed, long now) {
    int count = groups.size();
    Picker[] pickers = new Picker[count];
    double[] shares = new double[count];
    String[] labels = new String[count];
    List<EndpointState> union = new ArrayList<>();
    Map<String, PickerEnv> kept = new HashMap<>();
    for (int g = 0; g < count; g++) {
      Routing.Group group = groups.get(g);
      PickerEnv groupEnv = envs.get(group.key());
      if (groupEnv == null) {
        groupEnv = new PickerEnv(env.rng, env.totalInFlight, env.ticker);
      }
      kept.put(group.key(), groupEnv);
      pickers[g] = config.strategy.newPicker(group.states,
          slowStart.weights(config.strategy, group.states, now), groupEnv);
      shares[g] = group.share;
      labels[g] = group.label(levelsNamed);
      union.addAll(Arrays.asList(group.states));
    }
    envs = kept;
    return new SplitPicker(union.toArray(NONE), pickers, shares, labels, env.rng, hashing);
  }

  /** Each endpoint's priority, or null when they are all at the same one (one level). */
  int @Nullable [] priorities(EndpointState[] all) {
    int[] priority = new int[all.length];
    boolean differ = false;
    for (int i = 0; i < all.length; i++) {
      priority[i] = priorityOf(all[i].endpoint());
      differ |= priority[i] != priority[0];
    }
    return differ ? priority : null;
  }

  /** The endpoint's priority: a whole number, 0 the highest; missing or invalid: 0. */
  int priorityOf(Endpoint e) {
    String text = e.attribute(PRIORITY);
    if (text == null) {
      return 0;
    }
    int p = parsePriority(text);
    if (p < 0 && !warned) {
      warned = true;
      log.warn("{}: endpoint {} has priority '{}', not a whole number 0..999999999; taken as 0"
          + " (logged once)", config.serviceName, e.address(), text);
    }
    return Math.max(p, 0);
  }

  /** A decimal priority 0..999999999, or -1. */
  static int parsePriority(String text) {
    int n = text.length();
    if (n == 0 || n > 9) {
      return -1;
    }
    int p = 0;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      p = p * 10 + (c - '0');
    }
    return p;
  }

  /** The endpoints of {@code all} that are usable (if given) and at {@code level} (if given). */
  private static EndpointState[] select(EndpointState[] all, boolean @Nullable [] usable,
      int @Nullable [] priority, int level) {
    List<EndpointState> out = new ArrayList<>(all.length);
    for (int i = 0; i < all.length; i++) {
      if ((usable == null || usable[i]) && (priority == null || priority[i] == level)) {
        out.add(all[i]);
      }
    }
    return out.toArray(NONE);
  }

}
