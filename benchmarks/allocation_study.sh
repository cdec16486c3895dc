#!/usr/bin/env bash
# The academy allocation study (issue #20): learnrec's optimal allocation against first come first
# served and greedy by score on the academy (100,000 learners x 5,000 courses, sessions repeated in
# later weeks up to 20,000 open opportunities), 2 threads. Add --max-per-learner 2 for the run with
# date clashes (the exact MIP part).
# Usage: benchmarks/allocation_study.sh [build-dir] [extra flags for learnrec_allocation_study]
set -euo pipefail
build=${1:-build}
shift || true
cmake --build "$build" -j2 --target learnrec_allocation_study
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
echo "load before: $(uptime)"
/usr/bin/time -f "process: %e s wall, %U s user, %S s sys, %M KB max RSS" \
  "$build/benchmarks/learnrec_allocation_study" --learners 100000 --courses 5000 --opportunities 20000 --threads 2 "$@"
echo "load after: $(uptime)"
