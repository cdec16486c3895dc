#!/usr/bin/env bash
# One wrk run against learnrec-serve while POST /admin/reload runs every second (back to back when
# slower), on the run.sh data (DATA, default /tmp/svcbench); prints wrk's RESULT, the server CPU ticks,
# each reload's status, wall seconds and CPU seconds (the reload thread's own clock, from the answer:
# the robust figure under load), and the server's own latency histogram for the learner route.
# Usage: benchmarks/service/reload_tail.sh BUILD_DIR RELOAD_NICE CONNECTIONS SECONDS [learnrec-serve flags...]
# Environment: STEADY=1 runs the same without reloads (the machine's own tail, to compare with).
build=$1; nicev=$2; c=$3; secs=$4; shift 4
D=${DATA:-/tmp/svcbench}; here=$(cd "$(dirname "$0")" && pwd); o=$(mktemp -d)
cp $D/acad/events.csv $o/events.csv
$build/examples/learnrec-serve --model $D/model.lrc --catalogue $D/acad --rules $here/rules.json --events $o/events.csv --threads 2 --connections 128 --reload-nice $nicev --no-request-log "$@" >$o/out 2>$o/err & pid=$!
for _ in $(seq 1 600); do grep -q listening $o/out 2>/dev/null && break; sleep 0.5; done
base=$(head -1 $o/out | sed 's/listening on //')
export LEARNERS=$D/learners.txt
wrk -t1 -c8 -d3s -s $here/learners.lua $base >/dev/null
( until=$((SECONDS + secs)); [ "${STEADY:-0}" = 1 ] && until=0; while ((SECONDS < until)); do t0=$SECONDS; curl -s -w ' %{http_code}\n' -X POST -d '' $base/admin/reload | sed -E -e 's/.*"cpu_seconds":([0-9.e-]+).*"seconds":([0-9.e-]+).* ([0-9]+)$/\3 \2s cpu \1s/;t' -e 's/.*"seconds":([0-9.e-]+).* ([0-9]+)$/\2 \1s/' >> $o/reloads; ((SECONDS - t0 >= 1)) || sleep 1; done ) & loop=$!
c0=$(awk '{print $14 + $15}' /proc/$pid/stat)
wrk -t1 -c$c -d${secs}s --timeout 30s -s $here/learners.lua $base | grep RESULT
echo "cpu_ticks $(( $(awk '{print $14 + $15}' /proc/$pid/stat) - c0 )) reloads: $(tr '\n' ' ' < $o/reloads 2>/dev/null)"
wait $loop
# The reload thread and the OpenMP threads it started (they inherit its name): CPU ticks over the whole run.
echo "reload_thread_cpu_ticks $(cat /proc/$pid/task/*/stat 2>/dev/null | awk '$2 == "(learnrec-reload)" {t += $14 + $15} END {print t + 0}')"
curl -s $base/metrics | grep -E "duration_seconds_bucket.*recommendations" | tail -8; kill -TERM $pid; wait $pid; rm -rf $o
