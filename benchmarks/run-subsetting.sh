#!/usr/bin/env bash
# Builds the benchmarks module and runs the subsetting simulation: every algorithm on every fleet
# shape (about 10 s of CPU), writing benchmarks/results/subsetting.csv. See benchmarks/subsetting.md.
#
# Extra arguments go to the simulation, e.g. --shapes 1000x300x30 --changes 20 --seed 7
# --out benchmarks/target/subsetting (see dev.lbclient.SubsettingSim).
# SUBSETTING_MVN_FLAGS adds Maven flags, e.g. SUBSETTING_MVN_FLAGS=-o.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC2086
mvn -B -q ${SUBSETTING_MVN_FLAGS:-} -pl benchmarks -am package -DskipTests
exec java -cp benchmarks/target/benchmarks.jar dev.lbclient.SubsettingSim "$@"
