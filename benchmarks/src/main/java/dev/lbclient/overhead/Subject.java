package dev.lbclient.overhead;

/** One client set up for one row: a blocking call to make, and what to release afterwards. */
interface Subject extends AutoCloseable {
  /** One call; returns normally only when the call succeeded. */
  void call() throws Exception;

  @Override
  void close();
}
