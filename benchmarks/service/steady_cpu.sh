#!/usr/bin/env bash
# One steady wrk run against learnrec-serve on the run.sh data (DATA, default /tmp/svcbench: acad/,
# model.lrc, learners.txt) after a 3-s warm-up: the server's user+sys CPU per answer and wrk's RESULT line.
# Usage: benchmarks/service/steady_cpu.sh BUILD_DIR CONNECTIONS SECONDS [learnrec-serve flags...]
build=$1; c=$2; secs=$3; shift 3
D=${DATA:-/tmp/svcbench}; here=$(cd "$(dirname "$0")" && pwd); o=$(mktemp -d)
cp $D/acad/events.csv $o/events.csv
$build/examples/learnrec-serve --model $D/model.lrc --catalogue $D/acad --rules $here/rules.json --events $o/events.csv --connections 128 --no-request-log "$@" >$o/out 2>$o/err & pid=$!
for _ in $(seq 1 600); do grep -q listening $o/out 2>/dev/null && break; sleep 0.5; done
base=$(head -1 $o/out | sed 's/listening on //')
export LEARNERS=$D/learners.txt
wrk -t1 -c8 -d3s -s $here/learners.lua $base >/dev/null
c0=$(awk '{print $14 + $15}' /proc/$pid/stat)
r=$(wrk -t1 -c$c -d${secs}s --timeout 30s -s $here/learners.lua $base | grep RESULT)
t=$(( $(awk '{print $14 + $15}' /proc/$pid/stat) - c0 ))
n=$(echo "$r" | grep -o '"requests": [0-9]*' | grep -o '[0-9]*')
echo "$* c=$c cpu_ms_per_req=$(echo "scale=4; $t*10/$n" | bc) $r"
kill -TERM $pid; wait $pid; rm -rf $o
