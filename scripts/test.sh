#!/usr/bin/env bash
# Second command of the README: install what is missing, then run every test:
# the C++ suite (ctest), the find_package consumer test, and the Python suite (pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bash scripts/setup.sh
jobs=$(nproc)
build=${LEARNREC_BUILD_DIR:-build}

echo "== C++: configure, build, ctest"
# The options are explicit: the README's first command configures the same build directory with
# the tests and benchmarks off, and CMake would keep those cached values.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DLEARNREC_BUILD_TESTS=ON -DLEARNREC_BUILD_EXAMPLES=ON \
  -DLEARNREC_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure --no-tests=error -j "$jobs"

echo "== C++: install and build a consumer with find_package(learnrec)"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix/install" >/dev/null
cmake -S tests/consumer -B "$prefix/consumer" -DCMAKE_PREFIX_PATH="$prefix/install" >/dev/null
cmake --build "$prefix/consumer" -j "$jobs" >/dev/null
ctest --test-dir "$prefix/consumer" --output-on-failure
# learnrec::core alone must not need Boost or nlohmann-json: hide them and build a core-only consumer.
cmake -S tests/consumer/core_only -B "$prefix/consumer-core" -DCMAKE_PREFIX_PATH="$prefix/install" \
  -DCMAKE_DISABLE_FIND_PACKAGE_Boost=ON -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON >/dev/null
cmake --build "$prefix/consumer-core" -j "$jobs" >/dev/null
ctest --test-dir "$prefix/consumer-core" --output-on-failure

if [ -f pyproject.toml ]; then
  echo "== Python: build the package into a virtual environment, run pytest"
  venv=${LEARNREC_VENV:-$root/.venv}
  py=/usr/bin/python3
  [ -x "$py" ] || py=python3
  [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  # compare: implicit, so the interop tests (implicit's evaluation on our models, its quick-start) run too
  "$venv/bin/python" -m pip install -q ".[test,compare]"
  "$venv/bin/python" -m pytest tests/python -q
fi
