#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined, with an instrumented
# copy of the learnrec library) and runs each for the given number of seconds over its corpus.
# Usage: scripts/fuzz.sh [seconds per target, default 600] [target...]
#   targets: model_loader model_payload csv_reader csr_validate events_reader features_reader xapi_reader
#            service_request (default: all)
# Seeds are read from tests/fuzz/corpus/<target>/ (never modified); new inputs found go to
# <build>/corpus/<target>/ and crashes to <build>/artifacts/<target>/. To keep an interesting
# input as a regression seed, copy it into tests/fuzz/corpus/<target>/.
# Environment: CXX (default clang++), LEARNREC_FUZZ_DIR (default build-fuzz), JOBS (default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(model_loader model_payload csv_reader csr_validate events_reader features_reader xapi_reader
                                      service_request)
build=${LEARNREC_FUZZ_DIR:-build-fuzz}
jobs=${JOBS:-$(nproc)}

# libFuzzer ships with Debian's clang package.
if [[ -z ${CXX:-} ]]; then bash scripts/setup.sh clang; fi

cmake -S . -B "$build" -DCMAKE_CXX_COMPILER="${CXX:-clang++}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEARNREC_FUZZ=ON \
  -DLEARNREC_BUILD_TESTS=ON -DLEARNREC_BUILD_EXAMPLES=OFF -DLEARNREC_BUILD_BENCHMARKS=OFF -DLEARNREC_INSTALL=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target "${targets[@]/#/fuzz_}"

failed=()
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t" "$build/artifacts/$t"
  echo "== fuzz_$t for ${seconds} s"
  start=$(date +%s)
  # -malloc_limit_mb: no input of at most 64 KiB may allocate 256 MiB at once (model files
  # must not allocate out of proportion to their size). Single-threaded OpenMP keeps runs cheap.
  if OMP_NUM_THREADS=1 ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -malloc_limit_mb=256 -print_final_stats=1 -artifact_prefix="$build/artifacts/$t/" \
      "$build/corpus/$t" "tests/fuzz/corpus/$t" 2>"$build/fuzz_$t.log"; then
    echo "   ok in $(( $(date +%s) - start )) s: $(grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$build/fuzz_$t.log" | tr '\n' ' ')"
    grep -E '^#[0-9]+ +DONE' "$build/fuzz_$t.log" | tail -1 || true
  else
    echo "   FAILED: see $build/fuzz_$t.log and $build/artifacts/$t/"
    tail -40 "$build/fuzz_$t.log"
    failed+=("$t")
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzzing found problems in: ${failed[*]}"
  exit 1
fi
echo "fuzzing: no findings"
