#!/usr/bin/env bash
# Installs the Debian packages learnrec needs, only when some are missing (root or sudo).
# Run by scripts/demo.sh, test.sh and fuzz.sh (which passes extra packages as arguments); safe to run again.
set -euo pipefail

packages=(
  build-essential cmake          # compiler and build system
  libeigen3-dev                  # dense linear algebra (factors, Gram matrices, GEMM tiles)
  libopenblas-dev liblapacke-dev # EASE's inverse and GF-CF's products on tuned BLAS/LAPACK (optional; lapack.h)
  libboost-serialization-dev     # model files (inside learnrec's own checked envelope)
  zlib1g-dev                     # model files: the envelope's CRC-32
  liblemon-dev                   # allocation: network simplex min-cost flow (header-only use; see README)
  coinor-libcbc-dev pkg-config   # allocation: CBC MIP for learners whose date clashes a flow cannot express
  nlohmann-json3-dev             # ranking rules files (JSON)
  libstemmer-dev                 # Snowball stemmers (en, fr, de, es, it, pt) for the course text index
  libfmt-dev                     # formatting (g++ 12 has no <format>)
  libcli11-dev                   # command-line parsing for the CLI
  catch2                         # C++ unit tests (v2.13)
  libbenchmark-dev               # Google Benchmark binaries
  libboost-dev                   # Boost.Beast + Boost.Asio (header-only): learnrec-serve's HTTP server
  wrk curl                       # learnrec-serve's load benchmark (benchmarks/service/run.sh)
  python3-venv python3-dev       # the Python package's virtual environment and headers
  "$@"                           # extra packages a caller needs (fuzz.sh: clang)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "learnrec: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
