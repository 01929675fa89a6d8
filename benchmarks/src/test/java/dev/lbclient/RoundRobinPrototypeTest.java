package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The thread-local prototype and the library's striped round robin are exactly fair, per thread and overall, with random starts. */
class RoundRobinPrototypeTest {
  private static final int N = 7;

  private static EndpointState[] states() {
    EndpointState[] states = new EndpointState[N];
    for (int i = 0; i < N; i++) {
      states[i] = new EndpointState(Endpoint.of("10.0.0." + (i + 1), 80), 10_000.0);
    }
    return states;
  }

  private static Function<EndpointState[], Picker> factory(String variant) {
    return variant.equals("striped")
        ? states -> new RoundRobinStrategy.RoundRobinPicker(states, Randoms.threadLocal())
        : ThreadLocalRoundRobinPicker::new;
  }

  private static int indexOf(EndpointState[] states, EndpointState s) {
    for (int i = 0; i < states.length; i++) {
      if (states[i] == s) {
        return i;
      }
    }
    throw new AssertionError("not one of the states: " + s);
  }

  @ParameterizedTest
  @ValueSource(strings = {"threadLocal", "striped"})
  void pick_oneThreadVisitsEveryEndpointInTurn(String variant) {
    EndpointState[] states = states();
    Picker picker = factory(variant).apply(states);
    int previous = indexOf(states, picker.pick(RequestContext.none(), 0));
    for (int i = 0; i < 10 * N; i++) {
      int next = indexOf(states, picker.pick(RequestContext.none(), 0));
      assertThat(next).isEqualTo((previous + 1) % N);
      previous = next;
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"threadLocal", "striped"})
  void pick_concurrentThreadsAreExactlyFairOverall(String variant) throws Exception {
    EndpointState[] states = states();
    Picker picker = factory(variant).apply(states);
    int threads = 4;
    int cycles = 2_000;
    int[][] counts = new int[threads][N];
    CountDownLatch start = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread[] workers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      int[] mine = counts[t];
      workers[t] = new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < cycles * N; i++) {
            mine[indexOf(states, picker.pick(RequestContext.none(), 0))]++;
          }
        } catch (Throwable e) {
          failure.set(e);
        }
      });
      workers[t].start();
    }
    start.countDown();
    for (Thread w : workers) {
      w.join();
    }
    assertThat(failure.get()).isNull();
    int[] total = new int[N];
    for (int t = 0; t < threads; t++) {
      for (int i = 0; i < N; i++) {
        total[i] += counts[t][i];
        if (variant.equals("threadLocal")) {
          assertThat(counts[t][i]).as("thread %d, endpoint %d", t, i).isEqualTo(cycles);
        }
      }
    }
    for (int i = 0; i < N; i++) {
      assertThat(total[i]).as("endpoint %d", i).isEqualTo(threads * cycles);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"threadLocal", "striped"})
  void newPicker_startsAtRandomOffsets(String variant) {
    Set<Integer> firsts = new HashSet<>();
    for (int i = 0; i < 60; i++) {
      EndpointState[] states = states();
      firsts.add(indexOf(states, factory(variant).apply(states).pick(RequestContext.none(), 0)));
    }
    assertThat(firsts).hasSizeGreaterThan(1);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 8, 16})
  void stripes_powerOfTwoBetween32And64(int cpus) {
    int stripes = RoundRobinStrategy.RoundRobinPicker.stripes(cpus);
    assertThat(Integer.bitCount(stripes)).isEqualTo(1);
    assertThat(stripes).isBetween(32, 64);
  }
}
