#!/usr/bin/env bash
# The same serve measurements for two `vigil` binaries in one run (a previous release and this
# one), each on its own copy of the same 1M hashes: ready time, memory, /status/live, hash and image
# lookups, in two alternated rounds (one with SMOKE=1). Run Benchmarks/serve.sh first (it makes data/index-N/hashes.csv and the query paths).
# Usage: Benchmarks/compare-serve.sh OLD_VIGIL NEW_VIGIL [N] [SECONDS]   (defaults 1000000, 10; SMOKE=1: 2000, 1)
#   SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
old=$1 new=$2 n=${3:-$(sized 2000 1000000)} seconds=${4:-$(sized 1 10)}
port=18098
image=$bridge
export IMAGE_FILE=$image PATHS_FILE=$data_root/serve-$n/paths.txt
need_wrk
for label in old new; do
  vigil=${!label}
  work=$data_root/compare-$label-$n
  if [[ ! -f $work/vigil.sqlite ]]; then
    rm -rf "$work"; mkdir -p "$work"
    "$vigil" bank create BENCH_PDQ --data-dir "$work" > /dev/null
    /usr/bin/time -f "$label: import of $n hashes: %e s" "$vigil" bank import BENCH_PDQ "$data_root/index-$n/hashes.csv" --data-dir "$work" > /dev/null
    "$vigil" bank import BENCH_PDQ "$image" --data-dir "$work" > /dev/null
    "$vigil" keys create --role matcher --data-dir "$work" > "$work/key"
  fi
done
rss() { awk '/VmRSS/ {printf "%.1f MB", $2 * 1024 / 1e6}' "/proc/$1/status"; }
for round in $(seq "$(sized 1 2)"); do
  for label in old new; do
    vigil=${!label}; work=$data_root/compare-$label-$n
    export VIGIL_KEY=$(cat "$work/key")
    start=$(date +%s.%N)
    "$vigil" serve --data-dir "$work" --port $port > /dev/null 2> /dev/null &
    pid=$!
    wait_ready $port $pid
    echo "== round $round, $label: ready in $(python3 -c "print(round($(date +%s.%N) - $start, 2))") s, resident $(rss $pid)"
    echo -n "status/live c=4    "; wrk -t1 -c4 -d${seconds}s -s serve/status.lua "http://127.0.0.1:$port" | grep RESULT
    echo -n "hash lookups c=4   "; wrk -t1 -c4 -d${seconds}s -s serve/lookup.lua "http://127.0.0.1:$port" | grep RESULT
    echo -n "image lookups c=4  "; wrk -t1 -c4 -d${seconds}s -s serve/upload.lua "http://127.0.0.1:$port" | grep RESULT
    echo -n "image lookups c=16 "; wrk -t1 -c16 -d${seconds}s -s serve/upload.lua "http://127.0.0.1:$port" | grep RESULT
    echo "resident after: $(rss $pid)"
    kill $pid; wait $pid 2>/dev/null || true
  done
done
