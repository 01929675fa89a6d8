package dev.lbclient;

import java.util.concurrent.TimeUnit;

/** Waits a retry's backoff. Tests substitute one that advances a virtual clock. */
@FunctionalInterface
interface Sleeper {
  Sleeper SYSTEM = TimeUnit.NANOSECONDS::sleep;

  void sleepNanos(long nanos) throws InterruptedException;
}
