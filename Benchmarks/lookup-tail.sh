#!/usr/bin/env bash
# A lookup's tail and CPU for two `vigil` binaries in one run: for each, a fresh server on the same
# data (serve.sh's), RUNS runs of hash lookups that all match (wrk c=4, --latency, a 20 s timeout so
# that a stall shows as latency, not as socket errors), each with its hits/s, p99, worst lookup and
# the server's CPU a lookup (from /proc); then image lookups (c=4) with their CPU a lookup. The
# binaries alternate, two rounds (one with SMOKE=1). Run Benchmarks/serve.sh first.
# Usage: Benchmarks/lookup-tail.sh OLD_VIGIL NEW_VIGIL [N] [SECONDS] [RUNS]
#   defaults 1000000, 5, 6 (SMOKE=1: 2000, 1, 2); SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
old=$1 new=$2 n=${3:-$(sized 2000 1000000)} seconds=${4:-$(sized 1 5)} runs=${5:-$(sized 2 6)}
work=$data_root/serve-$n
port=18096
need_wrk
export VIGIL_KEY=$(cat "$work/key") PATHS_FILE=$work/paths.txt IMAGE_FILE=$bridge
ticks=$(getconf CLK_TCK)
# One wrk run: its RESULT line, the worst latency, and the server's CPU per request.
measure() { # PID SCRIPT
  local before after out requests
  before=$(cpu_ticks "$1")
  out=$(wrk -t1 -c4 -d"${seconds}"s --timeout 20s --latency -s "$2" "http://127.0.0.1:$port")
  after=$(cpu_ticks "$1")
  requests=$(grep -o 'requests=[0-9]*' <<< "$out" | cut -d= -f2)
  echo "$(grep RESULT <<< "$out") max=$(awk '/Latency  /{print $4}' <<< "$out")" \
    "cpu_per_request_ms=$(python3 -c "print(round(1000 * ($after - $before) / $ticks / max(1, $requests), 3))")"
}
for round in $(seq "$(sized 1 2)"); do
  for label in old new; do
    vigil=${!label}
    "$vigil" serve --data-dir "$work" --port $port --log-level warning > /dev/null 2> "$work/lookup-tail-$label.log" &
    pid=$!
    wait_ready $port $pid
    echo "== round $round, $label ($vigil)"
    for run in $(seq "$runs"); do echo -n "hash lookups, run $run   "; measure $pid serve/lookup.lua; done
    echo -n "image lookups            "; measure $pid serve/upload.lua
    kill $pid; wait $pid 2>/dev/null || true
  done
done
