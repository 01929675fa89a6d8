#!/usr/bin/env bash
# Builds the benchmarks module and runs the integration-overhead harness: the same loopback
# servers (one JDK HTTP server; three Netty gRPC servers, all on 127.0.0.1) called through a plain
# client and through this library: OkHttp plain vs LoadBalancingInterceptor with a one-endpoint
# pool; gRPC plain single-target channel vs round_robin vs GrpcLoadBalancing.channelFor.
#
# Load is closed-loop: a fixed number of caller threads (4) each making one blocking call after
# another; per row a fresh client, 1 s warm-up, then 3 s measured. Throughput is the calls
# completed in the measured window per second; p50/p99 are the latency of the same calls, from
# HdrHistogram. After one unrecorded pass over every row (JIT warm-up), the rows of each client
# are interleaved in alternating order (A B C, C B A, ...) over 9 repeats and the CSV holds the
# median of each figure; the console also shows every repeat, the process CPU time per call, and
# the medians of the paired (same-repeat) ratios. About 3.5 minutes on 2 cores.
# Writes benchmarks/results/overhead.csv (client,target,requests_per_s,p50_us,p99_us).
#
# Extra arguments go to the harness, e.g. --smoke, --clients okhttp, --repeats 7, --duration 10,
# --callers 8, --strategy roundRobin, --out /tmp/overhead (see dev.lbclient.overhead.Overhead).
# OVERHEAD_MVN_FLAGS adds Maven flags, e.g. OVERHEAD_MVN_FLAGS=-o.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC2086
mvn -B -q ${OVERHEAD_MVN_FLAGS:-} -pl benchmarks -am package -DskipTests
exec java -cp benchmarks/target/benchmarks.jar dev.lbclient.overhead.Overhead "$@"
