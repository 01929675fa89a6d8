#!/usr/bin/env bash
# Builds the benchmarks module and runs the tail-latency lab's simulation: every scenario with
# every strategy on virtual time (about a minute of CPU on 2 cores), writing
# benchmarks/results/lab-sim.csv and benchmarks/results/lab-sim-*.png.
#
# Extra arguments go to the simulation, e.g. --smoke, --scale 0.5, --seed 7, --out /tmp/lab
# (see dev.lbclient.lab.Simulation). LAB_MVN_FLAGS adds Maven flags, e.g. LAB_MVN_FLAGS=-o.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC2086
mvn -B -q ${LAB_MVN_FLAGS:-} -pl benchmarks -am package -DskipTests
exec java -cp benchmarks/target/benchmarks.jar dev.lbclient.lab.Simulation "$@"
