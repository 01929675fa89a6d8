/**
 * The integration-overhead harness: the same loopback servers and the same closed-loop load
 * through plain OkHttp and gRPC clients and through this library's OkHttp interceptor and gRPC
 * policy. Start with {@link dev.lbclient.overhead.Overhead}.
 */
@NullMarked
package dev.lbclient.overhead;

import org.jspecify.annotations.NullMarked;
