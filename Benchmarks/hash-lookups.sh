#!/usr/bin/env bash
# /status/live and distinct-query hash lookups (c=4) for one or more `vigil` binaries in turn, on
# the same data: for before/after pairs of an index change. Run compare-serve.sh first (it makes
# data/compare-new-N and the query paths).
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
  echo -n "$vigil /status/live c=4 "; wrk -t1 -c4 -d${seconds}s -s serve/status.lua "http://127.0.0.1:$port" | grep RESULT
  echo -n "$vigil hash lookups c=4 "; wrk -t1 -c4 -d${seconds}s -s serve/lookup.lua "http://127.0.0.1:$port" | grep RESULT
  kill $pid; wait $pid 2>/dev/null || true
done
