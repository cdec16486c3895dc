#!/usr/bin/env bash
# First command of the README: install what is missing, build the CLI, run the demo on the
# embedded academy. Extra arguments go to `learnrec demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${LEARNREC_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DLEARNREC_BUILD_TESTS=OFF -DLEARNREC_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" --target learnrec_cli -j "$(nproc)"
"$build/examples/learnrec" demo "$@"
