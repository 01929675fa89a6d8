package dev.lbclient.dns;

import dev.lbclient.EndpointSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the DNS source tests share: an in-test DNS server per test, virtual time, a recording
 * listener, and every subscription closed afterwards.
 */
abstract class DnsFixture {
  DnsTestServer server;
  final VirtualScheduler clock = new VirtualScheduler();
  final RecordingListener listener = new RecordingListener();
  final List<EndpointSource.Subscription> subscriptions = new ArrayList<>();

  @BeforeEach
  void startServer() throws Exception {
    server = DnsTestServer.start();
  }

  @AfterEach
  void stop() throws Exception {
    subscriptions.forEach(EndpointSource.Subscription::close);
    server.close();
  }

  /** {@code builder} pointed at the test server, on virtual time, with a seeded java.util.random.RandomGenerator. */
  DnsEndpointSource.Builder onTestServer(DnsEndpointSource.Builder builder, long seed) {
    return builder
        .servers(server.address())
        .ticker(clock)
        .schedulers(clock::create)
        .rng(SeededRandom.of(seed));
  }
}
