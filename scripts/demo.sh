#!/usr/bin/env bash
# First command of the README: install what is missing, build the demo host, run it on the
# embedded academy. Extra arguments go to learnrec-demo (the same flags as `learnrec demo`).
# Only the demo's target is built: the header-only core and the academy generator, not the
# whole library, so a newcomer's first run does not wait for it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${LEARNREC_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DLEARNREC_BUILD_TESTS=OFF -DLEARNREC_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" --target learnrec_demo -j "$(nproc)"
"$build/examples/learnrec-demo" "$@"
