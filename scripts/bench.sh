#!/usr/bin/env bash
# Runs the benchmarks the way the README's numbers were measured: a release
# build, each program pinned to CPU 1, repeated with interleaving, and only
# the median (plus mean/stddev) reported.
#
#   scripts/bench.sh [benchmark-name-regex] [extra benchmark flags...]
#
# Environment: BUILD_DIR (default build/release), REPS (default 9), CPU (1).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build/release}
REPS=${REPS:-9}
CPU=${CPU:-1}
filter=${1:-.}
shift || true
scripts/install_deps.sh >/dev/null
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$BUILD_DIR" >/dev/null
for bench in "$BUILD_DIR"/bench/*_benchmark; do
  [[ $(basename "$bench") =~ $filter ]] || continue
  echo "### $(basename "$bench")"
  taskset -c "$CPU" "$bench" --benchmark_repetitions="$REPS" \
    --benchmark_enable_random_interleaving=true \
    --benchmark_report_aggregates_only=true "$@" 2>/dev/null |
    grep -E '_(median|mean|stddev) |^Benchmark|^-' || true
done
