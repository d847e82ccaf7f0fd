#!/usr/bin/env bash
# /status/live and distinct-query hash lookups (c=4), with the server's CPU per request, for one or
# more `vigil` binaries in turn, on the same data: for before/after pairs of an index change.
# Run compare-serve.sh first (it makes data/compare-new-N and the query paths).
# Usage: Benchmarks/hash-lookups.sh SECONDS VIGIL...
set -euo pipefail
cd "$(dirname "$0")"
seconds=$1; shift
work=data/compare-new-1000000
port=18096
export VIGIL_KEY=$(cat "$work/key") PATHS_FILE=data/serve-1000000/paths.txt
for vigil in "$@"; do
  "$vigil" serve --data-dir "$work" --port $port > /dev/null 2> /dev/null &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/status/ready" > /dev/null; do sleep 0.1; done
  for script in status lookup; do
    # The server's own CPU per request (utime + stime from /proc, in clock ticks), next to wrk's figures:
    # the ratio of two request rates hides how much of each core the server got.
    ticks_before=$(awk '{print $14 + $15}' /proc/$pid/stat)
    result=$(wrk -t1 -c4 -d${seconds}s -s serve/$script.lua "http://127.0.0.1:$port" | grep RESULT)
    ticks=$(( $(awk '{print $14 + $15}' /proc/$pid/stat) - ticks_before ))
    requests=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<< "$result")
    echo "$vigil $script c=4 $result server_cpu_us_per_request=$(( ticks * 1000000 / $(getconf CLK_TCK) / requests ))"
  done
  kill $pid; wait $pid 2>/dev/null || true
done
