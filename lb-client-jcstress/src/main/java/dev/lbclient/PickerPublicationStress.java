package dev.lbclient;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * A new snapshot published while another thread picks. One actor replaces the list of a load
 * balancer through its {@link MutableEndpointSource} (the new endpoint, its state and the picker are
 * all created in that actor); the other picks. The pick must return the old endpoint or the new
 * one, with every field as constructed: no mix of snapshots, no partly initialized object.
 *
 * <p>Result: (port, weight, fields consistent, final state right). The last is checked by the
 * arbiter: the balancer then serves exactly the new list and no lease is left in flight. Two
 * actors, so that it runs on a 2-CPU machine.
 */
@JCStressTest
@Outcome(id = "8081, 1, 1, 1", expect = ACCEPTABLE, desc = "picked from the old snapshot")
@Outcome(id = "8082, 7, 1, 1", expect = ACCEPTABLE, desc = "picked from the new snapshot")
@Outcome(expect = FORBIDDEN, desc = "neither snapshot, a torn endpoint, or a wrong final state")
@State
public class PickerPublicationStress {
  private static final Endpoint OLD = Endpoint.of("10.0.0.1", 8081);

  private final MutableEndpointSource source = EndpointSource.mutable(OLD);
  private final DefaultLoadBalancer lb = (DefaultLoadBalancer) LoadBalancer.builder("stress")
      .endpoints(source)
      .strategy(Strategy.roundRobin())
      .build();
  private EndpointState picked;

  @Actor
  public void publish() {
    source.set(Endpoint.of("10.0.0.2", 8082).withWeight(7).withZone("b"));
  }

  @Actor
  public void pick(IIII_Result r) {
    try (Pick p = lb.pick()) {
      Endpoint e = p.endpoint();
      r.r1 = e.port();
      r.r2 = e.weight();
      r.r3 = consistent(e) ? 1 : 0;
      picked = ((Lease) p).state();
    }
  }

  @Arbiter
  public void arbiter(IIII_Result r) {
    boolean newList = lb.endpoints().equals(
        List.of(Endpoint.of("10.0.0.2", 8082).withWeight(7).withZone("b")));
    boolean released = picked != null && picked.inFlight() == 0
        && lb.states().length == 1 && lb.states()[0].inFlight() == 0;
    r.r4 = newList && released ? 1 : 0;
  }

  private static boolean consistent(Endpoint e) {
    if (e.port() == 8081) {
      return "10.0.0.1".equals(e.host()) && e.weight() == 1 && e.zone() == null
          && "10.0.0.1:8081".equals(e.address()) && e.attributes().isEmpty();
    }
    return "10.0.0.2".equals(e.host()) && e.weight() == 7 && "b".equals(e.zone())
        && "10.0.0.2:8082".equals(e.address()) && e.attributes().isEmpty();
  }
}
