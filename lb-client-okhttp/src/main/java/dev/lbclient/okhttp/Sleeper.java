package dev.lbclient.okhttp;

import java.util.concurrent.TimeUnit;

/** Waits a retry's backoff. Tests substitute one that records the wait and returns at once. */
@FunctionalInterface
interface Sleeper {
  Sleeper SYSTEM = TimeUnit.NANOSECONDS::sleep;

  void sleepNanos(long nanos) throws InterruptedException;
}
