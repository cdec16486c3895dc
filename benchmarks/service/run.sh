#!/usr/bin/env bash
# learnrec-serve under load (benchmarks/README.md, "HTTP service"): wrk on loopback against the
# academy at 100,000 learners x 5,000 courses with every rule on, at 1, 8 and 64 connections, once
# steady and once with a reload every second; the same requests in process (the Ranker, one
# learner per call); the service's RSS across reloads. Every run is bounded in time.
# Usage: benchmarks/service/run.sh [data dir, default /tmp/learnrec-serve-bench] [seconds per run, default 10]
#        [reloads for the RSS run at small scale, default 1000] [reloads for the RSS run at full scale, default 20]
# Environment: SERVE_THREADS (2), SERVE_RELOAD_NICE (10), FULL_RELOAD_SECONDS (300), SERVE_ARGS (more
#   learnrec-serve flags, e.g. --reload-idle), LEARNREC_BUILD_DIR (build). A data dir whose acad/ and
#   model.lrc are the small academy's measures the load runs at that size (see benchmarks/README.md).
# Needs: build/examples/{learnrec,learnrec-serve}, build/benchmarks/service/service_inprocess, wrk, curl.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/benchmarks/service
build=${LEARNREC_BUILD_DIR:-$root/build}
data=${1:-/tmp/learnrec-serve-bench}
secs=${2:-10}
rss_reloads=${3:-1000}
full_reloads=${4:-20}
threads=${SERVE_THREADS:-2}
reload_nice=${SERVE_RELOAD_NICE:-10}       # learnrec-serve --reload-nice
full_reload_seconds=${FULL_RELOAD_SECONDS:-300}  # bound of the full-scale RSS phase
serve_args=${SERVE_ARGS:-}                 # more learnrec-serve flags, e.g. --reload-idle
cli=$build/examples/learnrec
serve=$build/examples/learnrec-serve
inproc=$build/benchmarks/service/service_inprocess
out=$data/results
mkdir -p "$data" "$out"

# ---- data: the academy at 100k x 5k and an ALS model saved with its ids -------------------------
[ -d "$data/acad" ] || "$cli" academy --out "$data/acad" --learners 100000 --courses 5000
[ -f "$data/model.lrc" ] || "$cli" train --interactions "$data/acad/interactions.csv" --factors 64 --iterations 10 \
  --threads 2 --save "$data/model.lrc"
[ -d "$data/small" ] || "$cli" academy --out "$data/small" --learners 5000 --courses 600
[ -f "$data/small.lrc" ] || "$cli" train --interactions "$data/small/interactions.csv" --factors 32 --iterations 5 \
  --threads 2 --save "$data/small.lrc"
# 2,000 learners of the model, sampled once with a fixed seed: the requests of every run.
python3 - "$data" <<'PY'
import csv, random, sys
d = sys.argv[1]
with open(f"{d}/acad/interactions.csv") as f:
    ids = sorted({row[0] for row in csv.reader(f) if row[0] != "learner_id"})
open(f"{d}/learners.txt", "w").write("\n".join(random.Random(1).sample(ids, 2000)) + "\n")
PY
export LEARNERS=$data/learners.txt

start_server() {  # model catalogue events -> sets pid, base
  # shellcheck disable=SC2086
  "$serve" --model "$1" --catalogue "$2" --rules "$here/rules.json" --events "$3" --threads "$threads" --connections 128 \
    --reload-nice "$reload_nice" --no-request-log $serve_args >"$out/serve.out" 2>"$out/serve.err" &
  pid=$!
  for _ in $(seq 1 600); do grep -q listening "$out/serve.out" 2>/dev/null && break; sleep 0.5; done
  base=$(head -1 "$out/serve.out" | sed 's/listening on //')
}
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
heap() {  # heap in use and free inside the arenas (KiB), arenas, snapshots alive: from /metrics
  curl -s "$base/metrics" | awk '$1 == "learnrec_heap_in_use_bytes" {u = int($2 / 1024)} $1 == "learnrec_heap_free_bytes" \
    {f = int($2 / 1024)} $1 == "learnrec_heap_arenas" {a = $2} $1 == "learnrec_snapshots_alive" {n = $2}
    END {print u, f, a, n}'
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }  # the server's user + system CPU time
tck=$(getconf CLK_TCK)
reload_loop() {  # reload every second (back to back when a reload takes longer) for $1 seconds
  local until=$((SECONDS + $1))
  while ((SECONDS < until)); do
    local t0=$SECONDS
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -X POST -d '' "$base/admin/reload" >>"$2"
    ((SECONDS - t0 >= 1)) || sleep 1
  done
}

{ date -u; uptime; nproc; } >"$out/machine.txt"
cp "$data/acad/events.csv" "$data/events.csv"
start_server "$data/model.lrc" "$data/acad" "$data/events.csv"
echo "rss_after_start_kib $(rss)" >"$out/rss.txt"
curl -s "$base/v1/learners/$(head -1 "$LEARNERS")/recommendations?k=10&now=2026-01-01" >"$out/sample_answer.json"
wrk -t1 -c8 -d3s -s "$here/learners.lua" "$base" >/dev/null  # warm-up
for mode in steady reload; do
  for c in 1 8 64; do
    : >"$out/reloads_${mode}_$c.txt"
    if [ "$mode" = reload ]; then reload_loop "$secs" "$out/reloads_${mode}_$c.txt" & loop=$!; fi
    cpu0=$(cpu_ticks)
    wrk -t1 -c"$c" -d"${secs}s" --timeout 30s -s "$here/learners.lua" "$base" | tee "$out/wrk_${mode}_$c.txt" | grep RESULT
    echo "$(($(cpu_ticks) - cpu0)) $tck" >"$out/cpu_${mode}_$c.txt"
    if [ "$mode" = reload ]; then wait "$loop"; fi
    echo "rss_after_${mode}_${c}_kib $(rss)" >>"$out/rss.txt"
  done
done
# RSS across back-to-back reloads at full scale, under wrk -c8 traffic (a reload here takes
# seconds, so the 1,000 of the memory proof run on the small academy below). (0: skip.)
if ((full_reloads > 0)); then
  wrk -t1 -c8 -d3600s --timeout 30s -s "$here/learners.lua" "$base" >"$out/wrk_full_rss_traffic.txt" & traffic=$!
  echo "reload rss_kib http_code seconds" >"$out/rss_reloads_full.txt"
  echo "0 $(rss) - 0" >>"$out/rss_reloads_full.txt"
  until_full=$((SECONDS + full_reload_seconds))
  for r in $(seq 1 "$full_reloads"); do
    ((SECONDS < until_full)) || break
    echo "$r $(curl -s -o /dev/null -w '%{http_code} %{time_total}' -X POST -d '' "$base/admin/reload" | \
      { read -r code t; echo "$(rss) $code $t"; })" >>"$out/rss_reloads_full.txt"
  done
  kill -INT "$traffic" 2>/dev/null || true; wait "$traffic" || true
fi
kill -TERM "$pid"; wait "$pid" || true

# The same requests in process: the Ranker, one learner per call, on as many threads as the server.
for t in 1 "$threads"; do
  "$inproc" --model "$data/model.lrc" --catalogue "$data/acad" --rules "$here/rules.json" --events "$data/events.csv" \
    --learners "$LEARNERS" --threads "$t" --seconds "$secs" | tee "$out/inprocess_$t.json"
done

# RSS across reloads, with traffic: the small academy (a reload there takes tens of milliseconds).
# (0 reloads: skip, keeping the previous RSS results.)
if ((rss_reloads > 0)); then
cp "$data/small/events.csv" "$data/small_events.csv"
start_server "$data/small.lrc" "$data/small" "$data/small_events.csv"
python3 - "$data/small/interactions.csv" >"$data/small_learners.txt" <<'PY'
import csv, sys
ids = sorted({r[0] for r in csv.reader(open(sys.argv[1])) if r[0] != "learner_id"})
print("\n".join(ids[:500]))
PY
LEARNERS=$data/small_learners.txt wrk -t1 -c8 -d3600s -s "$here/learners.lua" "$base" >"$out/wrk_rss_traffic.txt" & traffic=$!
echo "reload rss_kib heap_in_use_kib heap_free_kib arenas snapshots_alive" >"$out/rss_reloads.txt"
echo "0 $(rss) $(heap)" >>"$out/rss_reloads.txt"
fails=0
for r in $(seq 1 "$rss_reloads"); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '' "$base/admin/reload")
  [ "$code" = 200 ] || fails=$((fails + 1))
  ((r % 50)) || echo "$r $(rss) $(heap)" >>"$out/rss_reloads.txt"
done
kill -INT "$traffic" 2>/dev/null || true; wait "$traffic" || true
echo "failed_reloads $fails" >>"$out/rss_reloads.txt"
kill -TERM "$pid"; wait "$pid" || true
fi
{ uptime; } >>"$out/machine.txt"

py=python3
[ -x "$root/.venv/bin/python" ] && py=$root/.venv/bin/python
"$py" "$here/report.py" "$out"
