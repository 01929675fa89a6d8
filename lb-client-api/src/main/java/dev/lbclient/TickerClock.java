package dev.lbclient;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A {@link Clock} over a {@link Ticker}, for the Resilience4j circuit breakers, so that their open
 * waits run on the load balancer's (possibly virtual) time. Only differences between its instants
 * mean anything.
 */
final class TickerClock extends Clock {
  private final Ticker ticker;

  TickerClock(Ticker ticker) {
    this.ticker = ticker;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return Instant.EPOCH.plusNanos(ticker.read());
  }

  @Override
  public long millis() {
    return Math.floorDiv(ticker.read(), 1_000_000L);
  }
}
