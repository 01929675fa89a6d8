package dev.lbclient;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Splits one priority level's usable endpoints by zone for a {@link ZoneRouting}: pure, called
 * under the update lock while a snapshot is built.
 *
 * <p><b>Aware</b> (Envoy's zone-aware routing). Per zone, its share of the level's usable capacity
 * U(z) (capacity = the sum of the weights as the strategy counts them) and its share of the
 * clients C(z) (given, or assumed to be its share of the level's whole capacity, usable or not).
 * If U(local) >= C(local) every call stays local. Otherwise U(local) / C(local) of the calls stay,
 * and the rest goes to the other zones in proportion to their residual capacity max(0, U(z) -
 * C(z)). When every zone's clients do the same, each usable endpoint gets the same load, while as
 * many calls as possible stay in their zone.
 *
 * <p><b>Preferred</b> (Spring Cloud's zone preference): the caller's zone while it has a usable
 * endpoint, the other zones only as a fallback.
 */
final class ZoneSplit {
  private static final EndpointState[] NONE = new EndpointState[0];

  private ZoneSplit() {}

  /**
   * Adds one level's groups by zone, sharing {@code levelShare}; false (with the reason in {@code
   * notes}) when zone routing does not apply to this level.
   *
   * @param weighted whether the strategy honours weights (capacity counts them) or not (1 each)
   * @param named whether the level is named in the notes (there are several)
   */
  static boolean add(List<Routing.Group> out, List<String> notes, ZoneRouting r, boolean weighted,
      int level, boolean named, EndpointState[] levelAll, EndpointState[] usable,
      double levelShare) {
    String local = r.zone();
    String where = named ? " in priority " + level : "";
    if (r.mode() == ZoneRouting.Mode.PREFERRED) {
      EndpointState[] mine = inZone(usable, local, true);
      if (mine.length == 0) {
        notes.add("zone routing off" + where + ": no usable endpoint in zone " + local);
        return false;
      }
      out.add(Routing.Group.zone(level, local, true, mine, levelShare));
      EndpointState[] others = inZone(usable, local, false);
      if (others.length > 0) {
        out.add(Routing.Group.otherZones(level, others));
      }
      return true;
    }
    // Capacity per zone: all endpoints [0] and usable ones [1].
    TreeMap<String, double[]> capacity = new TreeMap<>();
    for (EndpointState s : levelAll) {
      String z = s.endpoint().zone();
      if (z == null) {
        notes.add("zone routing off" + where + ": some endpoints have no zone");
        return false;
      }
      capacity.computeIfAbsent(z, k -> new double[2])[0] += weight(s, weighted);
    }
    double usableTotal = 0;
    for (EndpointState s : usable) {
      capacity.get(s.endpoint().zone())[1] += weight(s, weighted);
      usableTotal += weight(s, weighted);
    }
    String off = capacity.size() < 2 ? "all endpoints are in one zone"
        : !capacity.containsKey(local) ? "no endpoint in zone " + local
        : usable.length < r.minEndpoints() ? "fewer usable endpoints than minEndpoints ("
            + r.minEndpoints() + ")"
        : capacity.get(local)[1] == 0 ? "no usable endpoint in zone " + local : null;
    if (off != null) {
      notes.add("zone routing off" + where + ": " + off);
      return false;
    }
    // The clients' shares, as given (among this level's zones) or as the capacity is. Sums of
    // whole weights are exact, so with every endpoint usable U(local) == C(local) exactly.
    double clientTotal = 0;
    for (Map.Entry<String, double[]> e : capacity.entrySet()) {
      clientTotal += clients(r, e.getKey(), e.getValue()[0]);
    }
    double localClients = clients(r, local, capacity.get(local)[0]) / clientTotal;
    double localUsable = capacity.get(local)[1] / usableTotal;
    double localFraction = localUsable >= localClients ? 1.0 : localUsable / localClients;
    double residualTotal = 0;
    for (Map.Entry<String, double[]> e : capacity.entrySet()) {
      if (!e.getKey().equals(local)) {
        residualTotal += residual(r, e.getKey(), e.getValue(), usableTotal, clientTotal);
      }
    }
    out.add(Routing.Group.zone(level, local, true, inZone(usable, local, true),
        levelShare * localFraction));
    for (Map.Entry<String, double[]> e : capacity.entrySet()) {
      String z = e.getKey();
      if (z.equals(local) || e.getValue()[1] == 0) {
        continue;
      }
      // With no residual anywhere (only by rounding), spill by usable capacity instead.
      double part = residualTotal > 0
          ? residual(r, z, e.getValue(), usableTotal, clientTotal) / residualTotal
          : e.getValue()[1] / (usableTotal - capacity.get(local)[1]);
      out.add(Routing.Group.zone(level, z, false, inZone(usable, z, true),
          levelShare * (1.0 - localFraction) * part));
    }
    return true;
  }

  /** U(z) - C(z) where positive. */
  private static double residual(ZoneRouting r, String zone, double[] capacity,
      double usableTotal, double clientTotal) {
    return Math.max(0, capacity[1] / usableTotal - clients(r, zone, capacity[0]) / clientTotal);
  }

  /** A zone's clients, relative: as given, or its endpoints' capacity. */
  private static double clients(ZoneRouting r, String zone, double capacity) {
    return r.clientShares().isEmpty() ? capacity : r.clientShares().getOrDefault(zone, 0.0);
  }

  private static double weight(EndpointState s, boolean weighted) {
    return weighted ? s.endpoint().weight() : 1;
  }

  /** The endpoints in {@code zone} (or, with {@code in} false, not in it). */
  private static EndpointState[] inZone(EndpointState[] states, String zone, boolean in) {
    List<EndpointState> out = new ArrayList<>(states.length);
    for (EndpointState s : states) {
      if (zone.equals(s.endpoint().zone()) == in) {
        out.add(s);
      }
    }
    return out.toArray(NONE);
  }
}
