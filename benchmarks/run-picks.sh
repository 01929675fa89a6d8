#!/usr/bin/env bash
# Builds the benchmark jar and runs the pick benchmarks (see benchmarks/README.md).
#
#   bash benchmarks/run-picks.sh            # short profile (< 10 min on 2 cores) -> benchmarks/results/
#   bash benchmarks/run-picks.sh --smoke    # seconds; checks the harness -> benchmarks/target/smoke/
#   bash benchmarks/run-picks.sh --full     # hours: 10/100/1000 endpoints, 2 forks -> benchmarks/results/
#
# Add --no-build to reuse benchmarks/target/benchmarks.jar.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=--short
build=1
for arg in "$@"; do
  case "$arg" in
    --smoke|--short|--full) profile=$arg ;;
    --no-build) build=0 ;;
    *) echo "usage: $0 [--smoke|--short|--full] [--no-build]" >&2; exit 64 ;;
  esac
done

if [[ $build == 1 ]]; then
  mvn -B -q -pl benchmarks -am package -DskipTests
fi

jar=benchmarks/target/benchmarks.jar
out=benchmarks/results
[[ $profile == --smoke ]] && out=benchmarks/target/smoke

java -Djava.awt.headless=true -cp "$jar" dev.lbclient.bench.PickRunner "$profile" --out "$out"
if [[ $profile != --smoke ]]; then
  java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$jar" dev.lbclient.bench.HashQuality \
    "$out/hash-quality.md"
fi
echo "Results in $out/"
