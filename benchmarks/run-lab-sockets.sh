#!/usr/bin/env bash
# Builds the benchmarks module and runs the tail-latency lab's real-socket half: the same
# loopback backends and the same open-loop load through the lb-client OkHttp interceptor (four
# strategies), HAProxy and NGINX (started and stopped by the lab on 127.0.0.1), and one backend
# called directly; about 4 minutes on 2 cores. Writes benchmarks/results/lab-sockets.csv and
# benchmarks/results/lab-sockets-cdf-<scenario>.png.
#
# HAProxy and NGINX come from benchmarks/install-lab-tools.sh; without them their targets are
# skipped with a message. Extra arguments go to the lab, e.g. --smoke, --duration 5,
# --targets direct,lbclient.powerOfTwoChoices, --out /tmp/lab (see dev.lbclient.lab.SocketLab).
# LAB_MVN_FLAGS adds Maven flags, e.g. LAB_MVN_FLAGS=-o.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC2086
mvn -B -q ${LAB_MVN_FLAGS:-} -pl benchmarks -am package -DskipTests
exec java -cp benchmarks/target/benchmarks.jar dev.lbclient.lab.SocketLab "$@"
