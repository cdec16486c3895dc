#!/usr/bin/env bash
# A/B of learnrec-serve builds on a shared machine: every server up at once (run.sh's data in DATA,
# default /tmp/svcbench; --threads 2, no request log), then ROUNDS rounds of one wrk -t1 -c8 run of
# SECS seconds against each in turn, so slow changes of the machine's load hit all of them alike.
# Prints each round's server CPU (user+sys from /proc/PID/stat) per answer in ms, then the medians.
# Usage: benchmarks/service/steady_ab.sh ISA ROUNDS SECS "label|BUILD_DIR|extra flags" ...
# e.g.   benchmarks/service/steady_ab.sh avx2 5 5 "main|/work/main/build|" "new|build|" "shared|build|--shared-context"
isa=$1; rounds=$2; secs=$3; shift 3
export LEARNREC_ISA=$isa
D=${DATA:-/tmp/svcbench}; here=$(cd "$(dirname "$0")" && pwd); export LEARNERS=$D/learners.txt
labels=(); pids=(); bases=(); dirs=()
for spec in "$@"; do
  IFS='|' read -r label b flags <<< "$spec"
  o=$(mktemp -d); cp $D/acad/events.csv $o/events.csv
  $b/examples/learnrec-serve --model $D/model.lrc --catalogue $D/acad --rules $here/rules.json --events $o/events.csv --connections 128 --no-request-log --threads 2 $flags >$o/out 2>$o/err & 
  pids+=($!); labels+=("$label"); dirs+=($o)
done
for i in "${!pids[@]}"; do
  o=${dirs[$i]}; for _ in $(seq 1 600); do grep -q listening $o/out 2>/dev/null && break; sleep 0.5; done
  bases+=($(head -1 $o/out | sed 's/listening on //'))
  wrk -t1 -c8 -d3s -s $here/learners.lua ${bases[$i]} >/dev/null
done
declare -A res
for r in $(seq 1 $rounds); do
  line="round $r load=$(cut -d' ' -f1 /proc/loadavg)"
  for i in "${!pids[@]}"; do
    pid=${pids[$i]}
    c0=$(awk '{print $14 + $15}' /proc/$pid/stat)
    n=$(wrk -t1 -c8 -d${secs}s -s $here/learners.lua ${bases[$i]} | grep -o '"requests": [0-9]*' | grep -o '[0-9]*')
    t=$(( $(awk '{print $14 + $15}' /proc/$pid/stat) - c0 ))
    v=$(echo "scale=4; $t*10/$n" | bc)
    res[$i]="${res[$i]} $v"
    line="$line ${labels[$i]}=$v"
  done
  echo "$line"
done
for i in "${!pids[@]}"; do
  echo "median ${labels[$i]} $(echo ${res[$i]} | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END{print (NR%2? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}') (all:${res[$i]})"
  kill -TERM ${pids[$i]}; wait ${pids[$i]} 2>/dev/null; rm -rf ${dirs[$i]}
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
