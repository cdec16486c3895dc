#!/usr/bin/env bash
# learnrec inside Spark: installs what the Spark tests need and runs them.
#   a Java runtime (Debian's default-jre-headless, unless `java` is already there: Java 17 is),
#   pyspark from PyPI into the project's virtual environment (the package itself, if missing),
# then tests/python/test_distributed_spark.py in local[2] (loopback only).
# Timings on the reference machine (2 cores, Debian 12): README, "Past one machine".
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=${LEARNREC_VENV:-$root/.venv}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

t0=$(date +%s)
if ! command -v java >/dev/null 2>&1; then
  echo "== installing a Java runtime (default-jre-headless)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends default-jre-headless >/dev/null
fi
t1=$(date +%s)
py=/usr/bin/python3
[ -x "$py" ] || py=python3
[ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
if ! "$venv/bin/python" -c "import learnrec" 2>/dev/null; then
  "$venv/bin/python" -m pip install -q ".[test]"
fi
echo "== installing pyspark (PyPI)"
"$venv/bin/python" -m pip install -q "pyspark>=3.4"   # the spark extra, without rebuilding learnrec
t2=$(date +%s)
echo "install: java $((t1 - t0)) s, pyspark $((t2 - t1)) s"
"$venv/bin/python" -m pytest tests/python/test_distributed_spark.py -q -rs "$@"
