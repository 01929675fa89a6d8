package dev.lbclient.spring;

/**
 * A bad {@code lbclient.*} property: the message names the property, the value and what is
 * expected, for example {@code lbclient.services.orders.retry.max-attempts: 0 (expected: 1..10)}.
 */
final class LbClientConfigException extends IllegalArgumentException {
  LbClientConfigException(String message) {
    super(message);
  }

  LbClientConfigException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Restates the core's "name: value (expected: ...)" for the property that carried the value. */
  static LbClientConfigException of(String property, Object value, IllegalArgumentException e) {
    String message = String.valueOf(e.getMessage());
    int at = message.indexOf(" (expected");
    String expected = at >= 0 ? message.substring(at) : " (" + message + ")";
    return new LbClientConfigException(property + ": " + value + expected, e);
  }
}
