#!/usr/bin/env bash
# Runs the C++ tests under sanitizers, each in its own build directory:
#   1. AddressSanitizer + UndefinedBehaviorSanitizer (-fno-sanitize-recover): the whole ctest suite
#      (Catch2 tests and the fuzz corpus replays).
#   2. ThreadSanitizer, built without OpenMP (TSan cannot see libgomp's synchronisation and would
#      report false races) and without target_clones dispatch (LEARNREC_NO_DISPATCH: g++ runs the
#      ifunc resolvers during relocation, before the TSan runtime is up, and they crash): the
#      concurrency tests ([serving], [concurrency] and the contract's concurrent readers). TSan in
#      g++ 12 also needs at most 28 bits of mmap randomisation; on kernels configured with more, the
#      tests are run under `setarch -R` (no ASLR). Only the learnrec_concurrency_tests target is
#      built, so this part takes a few minutes and runs in CI (.ci/run); the ASan part builds the
#      whole suite (about 12 min on 2 cores) and is a documented command.
# Usage: scripts/sanitize.sh [asan|tsan|all]   (default all)
# Environment: CXX (default g++), LEARNREC_SANITIZE_DIR (default build-sanitize), JOBS (default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
compiler=${CXX:-g++}
base=${LEARNREC_SANITIZE_DIR:-build-sanitize}
jobs=${JOBS:-$(nproc)}
common=(-DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEARNREC_BUILD_BENCHMARKS=OFF
        -DLEARNREC_BUILD_EXAMPLES=OFF -DLEARNREC_BUILD_TESTS=ON -DLEARNREC_INSTALL=OFF)

stamp() { date +%s; }

if [[ $what == asan || $what == all ]]; then
  start=$(stamp)
  echo "== ASan + UBSan: configure, build, ctest ($base/asan)"
  cmake -S . -B "$base/asan" "${common[@]}" \
    -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
  cmake --build "$base/asan" -j "$jobs"
  # No detect_stack_use_after_return: with it, g++ 12 miscompiles the frames of the x86-64-v4
  # (AVX-512) clones of the multiversioned ALS kernels, which realign their stack for 64-byte
  # vectors: the fake-stack frame hands them a corrupt argument pointer and they fault reading
  # near address 0 (the default clone, or a build without dispatch, passes the same tests with it).
  ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:check_initialization_order=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$base/asan" --output-on-failure -j "$jobs"
  echo "== ASan + UBSan: passed in $(( $(stamp) - start )) s"
fi

if [[ $what == tsan || $what == all ]]; then
  start=$(stamp)
  echo "== TSan (no OpenMP): configure, build, concurrency tests ($base/tsan)"
  cmake -S . -B "$base/tsan" "${common[@]}" -DLEARNREC_OPENMP=OFF \
    -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer -DLEARNREC_NO_DISPATCH" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" >/dev/null
  cmake --build "$base/tsan" -j "$jobs" --target learnrec_concurrency_tests
  norandom=()
  if [[ $(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 28) -gt 28 ]]; then norandom=(setarch "$(uname -m)" -R); fi
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    "${norandom[@]}" "$base/tsan/tests/learnrec_concurrency_tests" "[serving],[concurrency],every model serves concurrent readers of one shared instance" \
    --durations yes
  echo "== TSan: passed in $(( $(stamp) - start )) s"
fi
