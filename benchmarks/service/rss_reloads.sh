#!/usr/bin/env bash
# learnrec-serve's memory across back-to-back reloads of the small academy (5,000 x 600), with or
# without wrk traffic: every 50 reloads, RSS and the allocator's figures from /metrics (heap in use,
# free inside the arenas, arenas, snapshots alive). Bounded: stops at the reload count or the time.
# Usage: benchmarks/service/rss_reloads.sh DATA_DIR OUT_FILE [reloads, default 1000] [max seconds, default 900]
#   DATA_DIR holds small/ and small.lrc as benchmarks/service/run.sh makes them.
# Environment: TRAFFIC=0 (no wrk), CONNECTIONS (128: --connections), SERVE_ARGS (extra learnrec-serve flags, e.g. "--malloc-arenas 0"),
#   FULL=1 (the full-scale academy instead: DATA_DIR's acad/ and model.lrc, 100,000 x 5,000).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/benchmarks/service
build=${LEARNREC_BUILD_DIR:-$root/build}
data=$1 out=$2 reloads=${3:-1000} max_seconds=${4:-900}
serve=$build/examples/learnrec-serve
work=$(mktemp -d)
if [ "${FULL:-0}" = 1 ]; then acad=$data/acad model=$data/model.lrc; else acad=$data/small model=$data/small.lrc; fi
cp "$acad/events.csv" "$work/events.csv"
# shellcheck disable=SC2086
"$serve" --model "$model" --catalogue "$acad" --rules "$here/rules.json" --events "$work/events.csv" \
  --threads 2 --connections "${CONNECTIONS:-128}" --no-request-log ${SERVE_ARGS:-} >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
traffic=
trap 'kill -TERM $pid ${traffic:-} 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 600); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.5; done
base=$(head -1 "$work/serve.out" | sed 's/listening on //')
python3 - "$acad/interactions.csv" >"$work/learners.txt" <<'PY'
import csv, sys
ids = sorted({r[0] for r in csv.reader(open(sys.argv[1])) if r[0] != "learner_id"})
print("\n".join(ids[:500]))
PY
if [ "${TRAFFIC:-1}" != 0 ]; then
  LEARNERS=$work/learners.txt wrk -t1 -c8 -d3600s -s "$here/learners.lua" "$base" >"$work/wrk.txt" & traffic=$!
fi
sample() {  # reload rss_kib heap_in_use_kib heap_free_kib arenas snapshots_alive
  local m; m=$(curl -s "$base/metrics")
  get() { awk -v k="$1" '$1 == k {printf "%d", $2 / 1024}' <<<"$m"; }
  echo "$1 $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") $(get learnrec_heap_in_use_bytes) $(get learnrec_heap_free_bytes)" \
       "$(awk '$1 == "learnrec_heap_arenas" {print $2}' <<<"$m") $(awk '$1 == "learnrec_snapshots_alive" {print $2}' <<<"$m")"
}
{ echo "# $(date -u) $(uptime) SERVE_ARGS=${SERVE_ARGS:-} TRAFFIC=${TRAFFIC:-1} CONNECTIONS=${CONNECTIONS:-128} FULL=${FULL:-0}"
  echo "reload rss_kib heap_in_use_kib heap_free_kib arenas snapshots_alive"; } >"$out"
sample 0 >>"$out"
fails=0 until=$((SECONDS + max_seconds)) r=0
while ((r < reloads && SECONDS < until)); do
  r=$((r + 1))
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '' "$base/admin/reload")
  [ "$code" = 200 ] || fails=$((fails + 1))
  ((r % 50)) || sample "$r" >>"$out"
done
((r % 50 == 0)) || sample "$r" >>"$out"
if [ -n "$traffic" ]; then kill -INT "$traffic" 2>/dev/null || true; wait "$traffic" || true; fi
echo "# reloads $r failed $fails seconds $SECONDS $(uptime)" >>"$out"
[ -z "$traffic" ] || grep -E 'requests in|Non-2xx|Socket' "$work/wrk.txt" | sed 's/^/# /' >>"$out"
