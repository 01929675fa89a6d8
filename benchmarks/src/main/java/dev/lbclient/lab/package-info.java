/**
 * The tail-latency lab, simulation half: a deterministic discrete-event simulation of client
 * fleets and servers that drives the real {@link dev.lbclient.LoadBalancer} on virtual time. Start
 * with {@link dev.lbclient.lab.Simulation}.
 */
@NullMarked
package dev.lbclient.lab;

import org.jspecify.annotations.NullMarked;
