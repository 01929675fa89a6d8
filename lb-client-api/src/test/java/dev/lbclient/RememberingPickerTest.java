package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The default strategy's pick rule: memory, candidates in turn, stall awareness. */
class RememberingPickerTest {
  private static final long MS = 1_000_000L;
  private static final double TAU_MS = 10_000;

  private static EndpointState[] states(int n) {
    EndpointState[] states = new EndpointState[n];
    for (int i = 0; i < n; i++) {
      states[i] = new EndpointState(Endpoint.of("10.0.0." + (i + 1), 80), TAU_MS);
    }
    return states;
  }

  private static RememberingPicker picker(EndpointState[] states, long seed) {
    int[] weights = new int[states.length];
    java.util.Arrays.fill(weights, 1);
    return new RememberingPicker(states, weights, Randoms.seeded(seed));
  }

  private static int indexOf(EndpointState[] states, EndpointState s) {
    return java.util.Arrays.asList(states).indexOf(s);
  }

  @Test
  void oneFastAmongNineSlow_isRememberedAndTakesNearlyEveryPick() {
    long now = 1_000 * MS;
    EndpointState[] states = states(10);
    states[0].recordSuccess(2 * MS, now);
    for (int i = 1; i < 10; i++) {
      states[i].recordSuccess((200 + 20 * i) * MS, now);
    }
    for (long seed = 1; seed <= 20; seed++) {
      RememberingPicker picker = picker(states, seed);
      int fast = 0;
      for (int k = 0; k < 1_000; k++) {
        if (picker.pick(RequestContext.none(), now) == states[0]) {
          fast++;
        }
      }
      // The fast one is a candidate within 10 picks (in turn), wins, and is kept from then on;
      // two random candidates would include it only about one pick in five.
      assertThat(fast).as("seed %d", seed).isGreaterThanOrEqualTo(1_000 - 10);
    }
  }

  @Test
  void afterProbingAnUnmeasuredEndpoint_goesStraightBackToTheRememberedOne() {
    long now = 1_000 * MS;
    EndpointState[] states = states(2);
    states[0].recordSuccess(5 * MS, now);
    RememberingPicker picker = picker(states, 3);
    List<Integer> picks = new ArrayList<>();
    for (int k = 0; k < 5; k++) {
      EndpointState s = picker.pick(RequestContext.none(), now);
      s.acquire(now); // as the lease does: the call stays in flight
      picks.add(indexOf(states, s));
    }
    // The idle unmeasured endpoint costs nothing and is probed once; busy and unmeasured, it then
    // costs more than any measured endpoint, and the memory held on to the measured one.
    assertThat(picks).containsExactly(1, 0, 0, 0, 0);
  }

  @Test
  void stalledEndpointWithOldCallsInFlight_losesToASlowerOneThatAnswers() {
    EndpointState[] states = states(2);
    EndpointState stalled = states[0];
    EndpointState slower = states[1];
    stalled.recordSuccess(10 * MS, 1_000 * MS);
    for (int i = 0; i < 3; i++) {
      stalled.acquire(1_000 * MS); // sent at 1 s, never answered
    }
    slower.recordSuccess(100 * MS, 1_490 * MS);
    slower.acquire(1_490 * MS);
    long now = 1_500 * MS;

    assertThat(stalled.silentMillis(now)).isEqualTo(500);
    assertThat(slower.silentMillis(now)).isEqualTo(10);
    // Peak-EWMA alone still prefers the stalled one: 10 ms x 4 against 100 ms x 2.
    assertThat(stalled.peakEwmaLoadKey(now)).isLessThan(slower.peakEwmaLoadKey(now));
    // Counting its silence (500 ms x 4 against 100 ms x 2), it loses every comparison and is
    // never remembered: it is taken only when its turn comes while it is the remembered one.
    for (long seed = 1; seed <= 10; seed++) {
      RememberingPicker picker = picker(states, seed);
      int toStalled = 0;
      for (int k = 0; k < 100; k++) {
        if (picker.pick(RequestContext.none(), now) == stalled) {
          toStalled++;
        }
      }
      assertThat(toStalled).as("seed %d", seed).isLessThanOrEqualTo(1);
    }
  }

  @Test
  void busyButAnsweringEndpoint_isNotPenalizedForShortSilences() {
    EndpointState[] states = states(2);
    states[0].recordSuccess(10 * MS, 1_000 * MS);
    states[0].acquire(1_000 * MS);
    states[1].recordSuccess(30 * MS, 1_000 * MS);
    long now = 1_005 * MS;

    // 5 ms without an answer is below its 10 ms latency: load 10 ms x 2 against 30 ms x 1.
    assertThat(states[0].silentMillis(now)).isEqualTo(5);
    for (long seed = 1; seed <= 10; seed++) {
      assertThat(picker(states, seed).pick(RequestContext.none(), now)).isSameAs(states[0]);
    }
  }

  @Test
  void alikeEndpoints_areOfferedInTurn() {
    long now = 1_000 * MS;
    EndpointState[] states = states(4);
    for (EndpointState s : states) {
      s.recordSuccess(20 * MS, now);
    }
    RememberingPicker picker = picker(states, 11);
    int[] counts = new int[4];
    for (int k = 0; k < 400; k++) {
      EndpointState s = picker.pick(RequestContext.none(), now);
      s.acquire(now);
      counts[indexOf(states, s)]++;
      s.release();
    }
    // Equal loads: ties go to the fresh candidate, taken in turn (the remembered one included),
    // so every endpoint gets its share exactly (random candidates would spread them binomially).
    assertThat(counts).containsExactly(100, 100, 100, 100);
  }

  @Test
  void nearlyAlikeEndpoints_withAsManyCallsInFlight_areServedInTurn() {
    long now = 1_000 * MS;
    EndpointState[] states = states(4);
    for (int i = 0; i < 4; i++) {
      states[i].recordSuccess((20 + 2 * i) * MS, now); // 20, 22, 24, 26 ms: within 1.5x
    }
    for (long seed = 1; seed <= 10; seed++) {
      RememberingPicker picker = picker(states, seed);
      int[] counts = new int[4];
      int previous = -1;
      for (int k = 0; k < 400; k++) {
        int i = indexOf(states, picker.pick(RequestContext.none(), now));
        if (previous >= 0) {
          assertThat(i).as("seed %d, pick %d", seed, k).isEqualTo((previous + 1) % 4);
        }
        previous = i;
        counts[i]++;
      }
      // An exact comparison would keep the 20 ms one (remembered as soon as it is a candidate)
      // on nearly every pick; within the tolerance the fresh one wins, and the turn is kept.
      assertThat(counts).as("seed %d", seed).containsExactly(100, 100, 100, 100);
    }
  }

  @Test
  void rememberedEndpoint_winsOnlyWhenLessLoadedByMoreThanTheTolerance() {
    long now = 1_000 * MS;
    for (long seed = 1; seed <= 10; seed++) {
      // 10 ms remembered against 14 ms fresh (1.4x): the fresh one; against 16 ms (1.6x): the
      // remembered one. Both idle.
      assertThat(firstPick(seed, 10, 14, now)).as("seed %d, 1.4x", seed).isEqualTo("fresh");
      assertThat(firstPick(seed, 10, 16, now)).as("seed %d, 1.6x", seed).isEqualTo("remembered");
    }
  }

  /** The first pick of a new two-endpoint picker whose remembered and fresh candidates idle. */
  private static String firstPick(long seed, int rememberedMs, int freshMs, long now) {
    EndpointState[] states = states(2);
    // Which one this seed remembers first: on an idle unmeasured pool the fresh one wins.
    int fresh = indexOf(states, picker(states, seed).pick(RequestContext.none(), now));
    states[1 - fresh].recordSuccess(rememberedMs * MS, now);
    states[fresh].recordSuccess(freshMs * MS, now);
    return picker(states, seed).pick(RequestContext.none(), now) == states[fresh]
        ? "fresh" : "remembered";
  }

  @Test
  void unequalCallsInFlight_areComparedExactly() {
    long now = 1_000 * MS;
    for (long seed = 1; seed <= 10; seed++) {
      EndpointState[] states = states(2);
      // Which one this seed remembers first: on an idle unmeasured pool the fresh one wins.
      int fresh = indexOf(states, picker(states, seed).pick(RequestContext.none(), now));
      EndpointState remembered = states[1 - fresh];
      remembered.recordSuccess(10 * MS, now);
      remembered.acquire(now); // one call in flight: load 10 ms x 2
      states[fresh].recordSuccess(25 * MS, now); // idle: load 25 ms, within 1.5x of 20 ms
      // Were the tolerance applied across unequal in-flight counts, the fresh one would win.
      assertThat(picker(states, seed).pick(RequestContext.none(), now))
          .as("seed %d", seed).isSameAs(remembered);
    }
  }

  @Test
  void silence_isTheTimeSinceTheLaterOfBusyStartAndLastAnswer() {
    EndpointState s = states(1)[0];
    assertThat(s.silentMillis(5_000 * MS)).isZero();
    s.acquire(1_000 * MS);
    assertThat(s.silentMillis(1_200 * MS)).isEqualTo(200);
    s.acquire(1_100 * MS);
    s.recordSuccess(50 * MS, 1_150 * MS); // the first call answers; the second is still out
    s.release();
    assertThat(s.silentMillis(1_200 * MS)).isEqualTo(50);
    s.recordSuccess(100 * MS, 1_200 * MS);
    s.release();
    assertThat(s.silentMillis(9_000 * MS)).isZero();
  }

  @Test
  void unequalWeights_freshCandidateDrawnByWeight() {
    long now = 1_000 * MS;
    EndpointState[] states = states(3);
    int[] weights = {1, 1, 8};
    RememberingPicker picker = new RememberingPicker(states, weights, Randoms.seeded(5));
    int[] counts = new int[3];
    for (int k = 0; k < 10_000; k++) {
      counts[indexOf(states, picker.pick(RequestContext.none(), now))]++;
    }
    // An idle pool: every comparison is a tie, won by the fresh candidate, drawn by weight, so
    // each endpoint gets its weighted share: 1000, 1000 and 8000 give or take sampling noise.
    assertThat(counts[0]).isBetween(850, 1150);
    assertThat(counts[1]).isBetween(850, 1150);
    assertThat(counts[2]).isBetween(7700, 8300);
  }
  @Test
  void avoidingTheRememberedOne_twoChoicesAmongTheRest_neverTheSlowOne_memoryKept() {
    long now = 1_000 * MS;
    EndpointState[] states = states(10);
    states[0].recordSuccess(2 * MS, now); // the best: remembered
    for (int i = 1; i < 10; i++) {
      states[i].recordSuccess((i == 5 ? 500 : 20 + i) * MS, now);
    }
    for (long seed = 1; seed <= 10; seed++) {
      RememberingPicker picker = picker(states, seed);
      for (int k = 0; k < 20; k++) {
        picker.pick(RequestContext.none(), now); // remembers endpoint 0
      }
      for (int k = 0; k < 40; k++) {
        // A hedge or retry after a call to endpoint 0. Endpoint 5 is offered only if it is the
        // less loaded of its pair, which it never is; a random endpoint would be it 1 time in 9.
        EndpointState s = picker.pick(RequestContext.none(), now, e -> e != states[0],
            Randoms.seeded(seed), null);
        assertThat(s).isNotNull();
        assertThat(indexOf(states, s)).as("seed %d pick %d", seed, k).isNotIn(0, 5);
      }
      assertThat(picker.pick(RequestContext.none(), now)).as("still remembered")
          .isSameAs(states[0]);
    }
  }

  @Test
  void avoidingEveryEndpointButOne_findsIt() {
    long now = 1_000 * MS;
    EndpointState[] states = states(5);
    for (int i = 0; i < 5; i++) {
      states[i].recordSuccess((i + 1) * MS, now);
    }
    RememberingPicker picker = picker(states, 7);
    for (int k = 0; k < 20; k++) {
      assertThat(picker.pick(RequestContext.none(), now, e -> e == states[4],
          Randoms.seeded(k), null)).isSameAs(states[4]);
    }
    assertThat(picker.pick(RequestContext.none(), now, e -> false, Randoms.seeded(1), null))
        .isNull();
  }
}
