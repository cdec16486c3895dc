#!/usr/bin/env bash
# The denominator of the service's ratio, A/B: the in-process Ranker cost per call (service_inprocess,
# one learner per call, CPU per call from getrusage) of each build on 1 and on 2 calling threads,
# ROUNDS rounds of SECS seconds each, the builds and thread counts in turn within a round so slow
# changes of the machine's load hit all alike. Prints each round, then the medians in ms.
# Usage: benchmarks/service/inprocess_ab.sh ISA ROUNDS SECS "label|BUILD_DIR" ...
# e.g.   benchmarks/service/inprocess_ab.sh avx2 3 5 "main|/work/main/build" "new|build"
isa=$1; rounds=$2; secs=$3; shift 3
export LEARNREC_ISA=$isa
D=${DATA:-/tmp/svcbench}; here=$(cd "$(dirname "$0")" && pwd)
declare -A res
for r in $(seq 1 "$rounds"); do
  line="round $r load=$(cut -d' ' -f1 /proc/loadavg)"
  for spec in "$@"; do
    IFS='|' read -r label b <<< "$spec"
    for t in 1 2; do
      us=$("$b"/benchmarks/service/service_inprocess --model $D/model.lrc --catalogue $D/acad --rules $here/rules.json \
             --events $D/acad/events.csv --learners $D/learners.txt --threads $t --seconds "$secs" |
           grep -o '"cpu_us_per_call": [0-9.]*' | grep -o '[0-9.]*$')
      v=$(echo "scale=4; $us/1000" | bc)
      res["$label t$t"]="${res["$label t$t"]} $v"
      line="$line $label/t$t=$v"
    done
  done
  echo "$line"
done
for spec in "$@"; do
  IFS='|' read -r label b <<< "$spec"
  for t in 1 2; do
    echo "median $label threads=$t $(echo ${res["$label t$t"]} | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END{print (NR%2? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}') ms/call (all:${res["$label t$t"]})"
  done
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
