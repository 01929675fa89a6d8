#!/usr/bin/env bash
# Builds the benchmarks module and runs the fleet-scale harness: for every strategy at 100, 1,000
# and 10,000 endpoints, the time of a one-endpoint change (set + first pick) and the heap per
# endpoint, each row in its own JVM; then the check that 100 full replacements of a
# 10,000-endpoint list leave nothing behind. A few minutes on 2 cores. Writes
# benchmarks/results/scale.csv and benchmarks/results/scale-replacements.csv.
#
# Extra arguments go to the harness, e.g. --sizes 100,1000 --strategies consistentHash,random
# --updates 11 --warmup 3 --replacements 0 --out /tmp/scale (see dev.lbclient.bench.ScaleHarness).
# SCALE_MVN_FLAGS adds Maven flags, e.g. SCALE_MVN_FLAGS=-o.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC2086
mvn -B -q ${SCALE_MVN_FLAGS:-} -pl benchmarks -am package -DskipTests
exec java -cp benchmarks/target/benchmarks.jar dev.lbclient.bench.ScaleHarness "$@"
