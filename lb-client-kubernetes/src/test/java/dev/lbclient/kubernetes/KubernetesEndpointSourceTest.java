package dev.lbclient.kubernetes;

import static dev.lbclient.kubernetes.Slices.endpoint;
import static dev.lbclient.kubernetes.Slices.port;
import static dev.lbclient.kubernetes.Slices.put;
import static dev.lbclient.kubernetes.Slices.ready;
import static dev.lbclient.kubernetes.Slices.slice;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lbclient.Endpoint;
import dev.lbclient.EndpointSource;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditionsBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The source against fabric8's mock API server in CRUD mode: lists, watch events, conditions,
 * failures and lifecycle. Every wait is for the delivery itself, bounded by {@link QueueListener}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KubernetesEndpointSourceTest {
  private static final String DESCRIPTION = "EndpointSlices default/orders port http";

  private MockApiServer server;
  private KubernetesClient client;
  private final List<EndpointSource.Subscription> subscriptions = new ArrayList<>();
  private final QueueListener listener = new QueueListener();
  private boolean serverUp = true;

  @BeforeEach
  void startServer() throws Exception {
    server = MockApiServer.start();
    client = server.newClient();
  }

  @AfterEach
  void stopAll() throws Exception {
    subscriptions.forEach(EndpointSource.Subscription::close);
    // The mock waits for open WebSockets when it stops: let them close while the client is up.
    server.awaitOpenWatches(0, Duration.ofSeconds(20));
    server.close();
    client.close();
  }

  /** The builder, waiting up to 20 s in start(): these machines are shared and can be slow. */
  private KubernetesEndpointSource.Builder builder() {
    return KubernetesEndpointSource.builder(client, Slices.NS, Slices.SERVICE, "http")
        .initialTimeout(Duration.ofSeconds(20));
  }

  /**
   * Starts the source and, when that starts its informer on a running server, waits until the
   * server holds its watch, so that a test's next change reaches it as a watch event (the mock
   * does not replay a deletion made between the list and the watch, as a real API server would).
   */
  private EndpointSource.Subscription start(KubernetesEndpointSource source,
      EndpointSource.Listener l) throws Exception {
    boolean fresh = source.active() == null;
    int watches = server.openWatches();
    EndpointSource.Subscription s = source.start(l);
    subscriptions.add(s);
    if (fresh && serverUp) {
      server.awaitOpenWatches(watches + 1, Duration.ofSeconds(20));
    }
    return s;
  }

  private EndpointSource.Subscription start(EndpointSource.Listener l) throws Exception {
    return start(builder().build(), l);
  }

  private static Endpoint at(String host) {
    return Endpoint.of(host, 8080);
  }

  // ---- Lists and watch events ---------------------------------------------------------------

  @Test
  void start_existingSlice_oneCompleteSnapshotBeforeReturning() throws Exception {
    put(client, slice("orders-abc", ready("10.0.0.1"), ready("10.0.0.2")));
    start(listener);
    assertThat(listener.pending()).hasSize(1);
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"), at("10.0.0.2"));
  }

  @Test
  void sliceCreated_newCompleteSnapshot() throws Exception {
    put(client, slice("orders-a", ready("10.0.0.1")));
    start(listener);
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"));

    put(client, slice("orders-b", ready("10.0.0.2")));
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"), at("10.0.0.2"));
  }

  @Test
  void sliceUpdated_newCompleteSnapshot() throws Exception {
    put(client, slice("orders-a", ready("10.0.0.1")));
    put(client, slice("orders-b", ready("10.0.0.2")));
    start(listener);
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"), at("10.0.0.2"));

    put(client, slice("orders-b", ready("10.0.0.3"), ready("10.0.0.4")));
    assertThat(listener.nextList())
        .containsExactly(at("10.0.0.1"), at("10.0.0.3"), at("10.0.0.4"));
  }

  @Test
  void sliceDeleted_newCompleteSnapshot() throws Exception {
    put(client, slice("orders-a", ready("10.0.0.1")));
    put(client, slice("orders-b", ready("10.0.0.2")));
    start(listener);
    assertThat(listener.nextList()).hasSize(2);

    Slices.delete(client, "orders-b");
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"));
  }

  @Test
  void twoSlices_mergedInNameOrder_addressInBothKeptOnce() throws Exception {
    put(client, slice("orders-b", ready("10.0.0.3"), ready("10.0.0.2")));
    put(client, slice("orders-a", ready("10.0.0.1"), ready("10.0.0.2")));
    start(listener);
    assertThat(listener.nextList())
        .containsExactly(at("10.0.0.1"), at("10.0.0.2"), at("10.0.0.3"));
  }

  @Test
  void dualStack_slicesOfEveryAddressTypeIncluded() throws Exception {
    put(client, slice("orders-v4", "IPv4", List.of(port("http", 8080)),
        List.of(ready("10.0.0.1"))));
    put(client, slice("orders-v6", "IPv6", List.of(port("http", 8080)),
        List.of(ready("fd00::1"))));
    put(client, slice("orders-x", "FQDN", List.of(port("http", 8080)),
        List.of(ready("orders-0.orders.default.svc"))));
    start(listener);
    assertThat(listener.nextList()).extracting(Endpoint::address)
        .containsExactly("10.0.0.1:8080", "[fd00::1]:8080", "orders-0.orders.default.svc:8080");
  }

  @Test
  void unchangedList_notDeliveredAgain() throws Exception {
    put(client, slice("orders-a", ready("10.0.0.1")));
    start(listener);
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"));

    // A change that does not touch the list (a not-ready endpoint), then one that does.
    put(client, slice("orders-a", ready("10.0.0.1"), endpoint(false, false, false, "10.0.0.9")));
    put(client, slice("orders-b", ready("10.0.0.2")));
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"), at("10.0.0.2"));
    assertThat(listener.pending()).isEmpty();
  }

  // ---- Conditions, ports, zones -------------------------------------------------------------

  @Test
  void conditions_readyOnly_nullReadyCountsAsReady() throws Exception {
    put(client, slice("orders-a",
        endpoint(true, true, false, "10.0.0.1"),
        endpoint(null, null, null, "10.0.0.2"),
        endpoint(false, false, false, "10.0.0.3"),
        endpoint(false, true, true, "10.0.0.4")));
    start(listener);
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"), at("10.0.0.2"));
  }

  @Test
  void conditions_noneReady_servingTerminatingUsed_untilOneIsReady() throws Exception {
    put(client, slice("orders-a",
        endpoint(false, true, true, "10.0.0.4"),
        endpoint(false, false, true, "10.0.0.5"),
        endpoint(false, true, false, "10.0.0.6")));
    start(listener);
    assertThat(listener.nextList())
        .containsExactly(at("10.0.0.4").withAttribute("terminating", "true"));

    put(client, slice("orders-b", ready("10.0.0.7")));
    assertThat(listener.nextList()).containsExactly(at("10.0.0.7"));
  }

  @Test
  void conditions_terminatingFallbackOff_noneReady_isAnEmptyAnswer() throws Exception {
    put(client, slice("orders-a",
        endpoint(false, true, true, "10.0.0.4"),
        endpoint(false, false, false, "10.0.0.5")));
    start(builder().terminatingFallback(false).build(), listener);
    assertThat(listener.nextError())
        .isEqualTo(DESCRIPTION + " failed: returned no endpoints (none of 2 endpoints is ready)");
  }

  @Test
  void endpoint_zoneNodeAndTarget_mapped_allAddressesUsed() throws Exception {
    put(client, slice("orders-a", new EndpointBuilder()
        .withAddresses("10.0.0.1", "10.0.0.2")
        .withConditions(new EndpointConditionsBuilder().withReady(true).build())
        .withZone("eu-west-1a")
        .withNodeName("node-1")
        .withTargetRef(new ObjectReferenceBuilder().withKind("Pod").withName("orders-5d8f7-x2x9q")
            .withNamespace("default").build())
        .build()));
    start(listener);
    Endpoint expected = at("10.0.0.1").withZone("eu-west-1a")
        .withAttribute("nodeName", "node-1").withAttribute("targetRef", "Pod/orders-5d8f7-x2x9q");
    List<Endpoint> list = listener.nextList();
    assertThat(list).hasSize(2);
    assertThat(list.get(0)).isEqualTo(expected);
    assertThat(list.get(1).address()).isEqualTo("10.0.0.2:8080");
    assertThat(list.get(1).zone()).isEqualTo("eu-west-1a");
  }

  @Test
  void sliceWithoutThePort_skipped_othersKept() throws Exception {
    put(client, slice("orders-a", ready("10.0.0.1")));
    put(client, slice("orders-b", "IPv4", List.of(port("grpc", 9000)),
        List.of(ready("10.0.0.2"))));
    start(listener);
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"));

    put(client, slice("orders-b", ready("10.0.0.2")));
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"), at("10.0.0.2"));
  }

  @Test
  void portNumberFromEachSlice() throws Exception {
    put(client, slice("orders-a", ready("10.0.0.1")));
    put(client, slice("orders-b", "IPv4", List.of(port("http", 8081)),
        List.of(ready("10.0.0.2"))));
    start(listener);
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"), Endpoint.of("10.0.0.2", 8081));
  }

  // ---- Empty answers -------------------------------------------------------------------------

  @Test
  void missingService_atStart_keepsNothing_reportsError() throws Exception {
    start(listener);
    assertThat(listener.nextError()).isEqualTo(DESCRIPTION + " failed: returned no endpoints"
        + " (no EndpointSlice has label kubernetes.io/service-name=orders)");
    assertThat(listener.pending()).isEmpty();

    put(client, slice("orders-a", ready("10.0.0.1")));
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"));
  }

  @Test
  void missingService_applyEmptyAnswers_deliversEmptyList() throws Exception {
    start(builder().applyEmptyAnswers(true).build(), listener);
    assertThat(listener.nextList()).isEmpty();
    assertThat(listener.pending()).isEmpty();
  }

  @Test
  void noSliceHasThePort_isAnEmptyAnswer() throws Exception {
    put(client, slice("orders-a", "IPv4", List.of(port("grpc", 9000)),
        List.of(ready("10.0.0.1"))));
    start(listener);
    assertThat(listener.nextError()).isEqualTo(DESCRIPTION
        + " failed: returned no endpoints (no EndpointSlice has a port named http)");
  }

  @Test
  void scaledToZero_keepsLastList_reportsError_orAppliesItWhenAsked() throws Exception {
    put(client, slice("orders-a", ready("10.0.0.1")));
    QueueListener applying = new QueueListener();
    start(listener);
    start(builder().applyEmptyAnswers(true).build(), applying);
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"));
    assertThat(applying.nextList()).containsExactly(at("10.0.0.1"));

    put(client, slice("orders-a", "IPv4", List.of(), List.of())); // the controller's placeholder
    assertThat(listener.nextError()).isEqualTo(DESCRIPTION
        + " failed: returned no endpoints (its 1 EndpointSlice list no endpoints)");
    assertThat(applying.nextList()).isEmpty();
  }

  // ---- Listeners and lifecycle ---------------------------------------------------------------

  @Test
  void secondListener_getsCurrentListAtOnce_andSharesTheWatch() throws Exception {
    put(client, slice("orders-a", ready("10.0.0.1")));
    KubernetesEndpointSource source = builder().build();
    EndpointSource.Subscription first = start(source, listener);
    QueueListener second = new QueueListener();
    start(source, second);
    assertThat(second.pending()).hasSize(1);
    assertThat(second.nextList()).containsExactly(at("10.0.0.1"));
    server.awaitOpenWatches(1, Duration.ofSeconds(20));

    first.close();
    put(client, slice("orders-b", ready("10.0.0.2")));
    assertThat(second.nextList()).containsExactly(at("10.0.0.1"), at("10.0.0.2"));
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"));
    assertThat(listener.pending()).isEmpty();
    assertThat(server.openWatches()).isEqualTo(1);
  }

  @Test
  void close_stopsDelivery_closesTheWatch_andTheThread() throws Exception {
    put(client, slice("orders-a", ready("10.0.0.1")));
    KubernetesEndpointSource source = builder().build();
    EndpointSource.Subscription s = start(source, listener);
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"));
    server.awaitOpenWatches(1, Duration.ofSeconds(20));
    Thread checker = thread("lb-client-kubernetes-default/orders");
    var informer = source.active().informer();

    s.close();
    s.close(); // idempotent
    assertThat(source.active()).isNull();
    assertThat(informer.isRunning()).isFalse();
    server.awaitOpenWatches(0, Duration.ofSeconds(20));
    checker.join(20_000);
    assertThat(checker.isAlive()).isFalse();

    // A witness on a second source sees the next change; the closed one gets nothing.
    QueueListener witness = new QueueListener();
    start(witness);
    assertThat(witness.nextList()).containsExactly(at("10.0.0.1"));
    put(client, slice("orders-b", ready("10.0.0.2")));
    assertThat(witness.nextList()).hasSize(2);
    assertThat(listener.pending()).isEmpty();
    assertThat(client.getHttpClient().isClosed()).as("the caller's client is not closed").isFalse();
  }

  @Test
  void restartAfterClose_startsAFreshWatch() throws Exception {
    put(client, slice("orders-a", ready("10.0.0.1")));
    KubernetesEndpointSource source = builder().build();
    EndpointSource.Subscription first = source.start(listener);
    server.awaitOpenWatches(1, Duration.ofSeconds(20));
    first.close();
    server.awaitOpenWatches(0, Duration.ofSeconds(20));
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"));

    QueueListener again = new QueueListener();
    start(source, again);
    assertThat(again.nextList()).containsExactly(at("10.0.0.1"));
    server.awaitOpenWatches(1, Duration.ofSeconds(20));
  }

  // ---- Failures ------------------------------------------------------------------------------

  @Test
  void apiServerDown_atStart_reportsError_doesNotThrow_thenRecovers() throws Exception {
    server.close();
    serverUp = false;
    KubernetesEndpointSource source = builder().build();
    start(source, listener);
    assertThat(listener.nextError()).startsWith(DESCRIPTION + " failed: ");
    assertThat(listener.pending()).allMatch(e -> e.error != null);

    server = server.restart();
    put(client, slice("orders-a", ready("10.0.0.1")));
    assertThat(nextListAfterErrors(listener)).containsExactly(at("10.0.0.1"));
  }

  @Test
  void outage_keepsLastList_reportsError_thenRecovers() throws Exception {
    put(client, slice("orders-a", ready("10.0.0.1")));
    KubernetesEndpointSource source = builder()
        .watchCheck(Duration.ofMillis(50), Duration.ofMillis(300)).build();
    start(source, listener);
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"));
    server.awaitOpenWatches(1, Duration.ofSeconds(20));

    server.close();
    String error = listener.nextError();
    assertThat(error).startsWith(DESCRIPTION + " failed: ");

    server = server.restart(); // same port, empty store: the registry comes back
    put(client, slice("orders-a", ready("10.0.0.1")));
    assertThat(nextListAfterErrors(listener)).containsExactly(at("10.0.0.1"));

    put(client, slice("orders-b", ready("10.0.0.2")));
    assertThat(listener.nextList()).containsExactly(at("10.0.0.1"), at("10.0.0.2"));
  }

  /** Skips errors (a failing registry may report more than one) up to the next list. */
  private static List<Endpoint> nextListAfterErrors(QueueListener l) throws InterruptedException {
    for (int i = 0; i < 1_000; i++) {
      QueueListener.Event e = l.next();
      if (e.endpoints != null) {
        return e.endpoints;
      }
      assertThat(e.error).startsWith(DESCRIPTION + " failed: ");
    }
    throw new AssertionError("no list after 1000 errors");
  }

  // ---- Scale ---------------------------------------------------------------------------------

  @Test
  void tenThousandEndpoints_inTenSlices_oneSnapshot() throws Exception {
    List<EndpointSlice> slices = new ArrayList<>();
    for (int s = 0; s < 10; s++) {
      slices.add(Slices.bigSlice("orders-" + s, s, 1_000));
      put(client, slices.get(s));
    }
    long t0 = System.nanoTime();
    start(listener);
    List<Endpoint> list = listener.nextList();
    long started = System.nanoTime() - t0;
    assertThat(list).hasSize(10_000);
    assertThat(listener.pending()).isEmpty();
    Set<String> addresses = new HashSet<>();
    list.forEach(e -> addresses.add(e.address()));
    assertThat(addresses).hasSize(10_000);

    // One slice replaced: the next snapshot is complete again.
    EndpointSlice replaced = Slices.bigSlice("orders-3", 30, 1_000);
    long t1 = System.nanoTime();
    put(client, replaced);
    long stored = System.nanoTime();
    List<Endpoint> next = listener.nextList();
    long delivered = System.nanoTime();
    assertThat(next).hasSize(10_000);
    assertThat(next).contains(at("10.30.0.1")).doesNotContain(at("10.3.0.1"));

    // The merge alone (what each change costs this source), after a few warm-up rounds.
    long merge = 0;
    for (int i = 0; i < 5; i++) {
      long m0 = System.nanoTime();
      assertThat(SliceMerger.merge(slices, "orders", "http", true).endpoints).hasSize(10_000);
      merge = System.nanoTime() - m0;
    }
    System.out.printf("10,000 endpoints in 10 slices: first snapshot %d ms after start();"
        + " one slice of 1,000 replaced: stored in %d ms, snapshot delivered %d ms later;"
        + " one merge of 10 slices: %.1f ms%n", started / 1_000_000, (stored - t1) / 1_000_000,
        (delivered - stored) / 1_000_000, merge / 1e6);
  }

  private static Thread thread(String name) {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals(name)) {
        return t;
      }
    }
    throw new AssertionError("no thread named " + name);
  }
}
