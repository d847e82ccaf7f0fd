#!/usr/bin/env bash
# /status/live and distinct-query hash lookups (c=4), with the server's CPU per request, for one or
# more `vigil` binaries in turn, on the same data: for before/after pairs of an index change.
# Run compare-serve.sh first (it makes data/compare-new-N and the query paths).
# Usage: Benchmarks/hash-lookups.sh SECONDS [VIGIL...]   (N=… picks the data: default 1000000, SMOKE=1: 2000)
#   No VIGIL given: $VIGIL. SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
seconds=$1; shift
(($#)) || set -- "${VIGIL:?give the vigil binaries to compare, or VIGIL=}"
n=${N:-$(sized 2000 1000000)}
work=$data_root/compare-new-$n
port=18096
key=$(cat "$work/key")  # (an export of $(cat …) would hide a missing file)
export VIGIL_KEY=$key PATHS_FILE=$data_root/serve-$n/paths.txt
need_wrk
for vigil in "$@"; do
  "$vigil" serve --data-dir "$work" --port $port > /dev/null 2> /dev/null &
  pid=$!
  wait_ready $port $pid
  for script in status lookup; do
    # The server's own CPU per request (utime + stime from /proc, in clock ticks), next to wrk's figures:
    # the ratio of two request rates hides how much of each core the server got.
    ticks_before=$(cpu_ticks $pid)
    result=$(wrk -t1 -c4 -d${seconds}s -s serve/$script.lua "http://127.0.0.1:$port" | grep RESULT)
    ticks=$(( $(cpu_ticks $pid) - ticks_before ))
    requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<< "$result")
    echo "$vigil $script c=4 $result server_cpu_us_per_request=$(( ticks * 1000000 / $(getconf CLK_TCK) / requests ))"
  done
  kill $pid; wait $pid 2>/dev/null || true
done
