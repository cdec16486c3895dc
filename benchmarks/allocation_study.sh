#!/usr/bin/env bash
# The academy allocation study (issue #20): learnrec's optimal allocation against first come first
# served and greedy by score on the academy (100,000 learners x 5,000 courses), 2 threads.
# Usage: benchmarks/allocation_study.sh [build-dir] [extra flags for learnrec_allocation_study]
set -euo pipefail
build=${1:-build}
shift || true
cmake --build "$build" -j2 --target learnrec_allocation_study
echo "load before: $(uptime)"
"$build/benchmarks/learnrec_allocation_study" --learners 100000 --courses 5000 --threads 2 "$@"
echo "load after: $(uptime)"
