package dev.lbclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** "Why did my request go there?" */
class ExplanationTest {
  private final VirtualClock clock = new VirtualClock();

  private LoadBalancer build(Strategy strategy) {
    return LoadBalancer.builder("orders")
        .endpoints(EndpointSource.of("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"))
        .strategy(strategy)
        .noCircuitBreakers()
        .ticker(clock)
        .timer(clock)
        .build();
  }

  @Test
  void explanation_offByDefault_null() {
    LoadBalancer lb = build(Strategy.roundRobin());
    try (Pick pick = lb.pick()) {
      assertThat(pick.explanation()).isNull();
    }
  }

  @Test
  void explanation_powerOfTwoChoices_namesBothCandidatesAndTheirLoads() {
    LoadBalancer lb = build(Strategy.powerOfTwoChoices());
    try (Pick slow = lb.pick(RequestContext.none(), e -> e.port() == 80 && e.host().endsWith(".1"))) {
      clock.advanceMillis(40);
      slow.success();
    }
    lb.explainPicks(true);
    for (int i = 0; i < 30; i++) {
      try (Pick pick = lb.pick()) {
        PickExplanation why = pick.explanation();
        assertThat(why).isNotNull();
        assertThat(why.chosen()).isEqualTo(pick.endpoint());
        assertThat(why.strategy()).isEqualTo("powerOfTwoChoices");
        assertThat(why.decision()).matches("compared 10\\.0\\.0\\.\\d:80 \\(load [0-9.]+ ms, "
            + "remembered\\) with 10\\.0\\.0\\.\\d:80 \\(load [0-9.]+ ms, next in turn\\); took the "
            + "(lower|fresh one on a tie|remembered one, lower by more than 1\\.5x"
            + "|fresh one, within 1\\.5x with as many calls in flight); "
            + "remembers 10\\.0\\.0\\.\\d:80"
            + "|the remembered 10\\.0\\.0\\.\\d:80 is also next in turn");
        if (why.decision().contains("10.0.0.1:80 (load 40.000 ms,")) {
          assertThat(pick.endpoint().address()).isNotEqualTo("10.0.0.1:80");
        }
      }
    }
    lb.explainPicks(false);
    try (Pick pick = lb.pick()) {
      assertThat(pick.explanation()).isNull();
    }
  }

  @Test
  void explanation_listsSkippedEndpoints() {
    LoadBalancer lb = build(Strategy.roundRobin());
    for (int i = 0; i < 5; i++) {
      try (Pick p = lb.pick(RequestContext.none(), e -> e.host().endsWith(".2"))) {
        p.failure(new IOException("down"));
      }
    }
    lb.explainPicks(true);
    try (Pick pick = lb.pick()) {
      PickExplanation why = pick.explanation();
      assertThat(why.skipped()).extracting(s -> s.endpoint().address())
          .containsExactly("10.0.0.2:80");
      assertThat(why.toString()).contains("\n  skipped 10.0.0.2:80 ejected for 30.0 s");
      assertThat(why.panic()).isFalse();
    }
  }

  @Test
  void explanation_consistentHash_namesSlotAndOwner() {
    LoadBalancer lb = build(Strategy.consistentHash());
    lb.explainPicks(true);
    try (Pick pick = lb.pick(RequestContext.withKey("user-42"))) {
      assertThat(pick.explanation().decision())
          .matches("key hashes to slot \\d+ of 65537, owned by 10\\.0\\.0\\.\\d:80")
          .endsWith(pick.endpoint().address());
    }
  }

  @Test
  void explanation_leastConnections_reportsTheMinimumAndTies() {
    LoadBalancer lb = build(Strategy.leastConnections());
    lb.explainPicks(true);
    try (Pick pick = lb.pick()) {
      assertThat(pick.explanation().decision())
          .isEqualTo("lowest in-flight / weight among 3: 0.0, shared by 3, one taken at random");
    }
  }
}
