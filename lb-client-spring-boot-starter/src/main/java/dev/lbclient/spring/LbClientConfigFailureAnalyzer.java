package dev.lbclient.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a bad {@code lbclient.*} property into Boot's start-up failure report. */
final class LbClientConfigFailureAnalyzer extends AbstractFailureAnalyzer<LbClientConfigException> {
  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, LbClientConfigException cause) {
    return new FailureAnalysis("Invalid lb-client configuration: " + cause.getMessage(),
        "Correct the property in the application's configuration (see the lb-client README,"
            + " section Spring Boot, for each property's range).", cause);
  }
}
