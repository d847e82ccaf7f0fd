#!/usr/bin/env bash
# Where the time of a hash lookup goes (issue 8): the same server and data as serve.sh, each row a
# route that does one more thing than the row above, at c=4 for SECONDS each; then the same rows
# without access logs. Run Benchmarks/serve.sh first (it builds vigil and fills the data).
# Usage: Benchmarks/serve-breakdown.sh [N] [SECONDS]   (defaults 1000000, 10; SMOKE=1: 2000, 1)
#   VIGIL= (default: serve.sh's release build), SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
n=${1:-$(sized 2000 1000000)}
seconds=${2:-$(sized 1 10)}
work=$data_root/serve-$n
port=18099
vigil=${VIGIL:-../.build-release/release/vigil}
need_wrk
key=$(cat "$work/key")
hit=$(head -1 "$work/paths.txt")
miss="/m/lookup?signal_type=pdq&signal=$(python3 -c 'import random; random.seed(7); print("%064x" % random.getrandbits(256))')"
export VIGIL_KEY=$key
for level in info warning; do
  "$vigil" serve --data-dir "$work" --port $port --log-level $level > /dev/null 2> "$work/breakdown-access.log" &
  pid=$!
  wait_ready $port $pid
  echo "== log level $level ($([[ $level == info ]] && echo 'a JSON access line per request' || echo 'no access log'))"
  echo -n "GET /status/live (HTTP, router, metrics, log)            "; wrk -t1 -c4 -d${seconds}s -s serve/status.lua "http://127.0.0.1:$port" | grep RESULT
  echo -n "GET /m/index/status (+ key check, small JSON)           "; PATH_TO_GET=/m/index/status wrk -t1 -c4 -d${seconds}s -s serve/path.lua "http://127.0.0.1:$port" | grep RESULT
  echo -n "GET /m/lookup, a hash that matches nothing (+ index)    "; PATH_TO_GET=$miss wrk -t1 -c4 -d${seconds}s -s serve/path.lua "http://127.0.0.1:$port" | grep RESULT
  echo -n "GET /m/lookup, one hit at distance 10 (+ hit, JSON)     "; PATH_TO_GET=$hit wrk -t1 -c4 -d${seconds}s -s serve/path.lua "http://127.0.0.1:$port" | grep RESULT
  kill $pid; wait $pid 2>/dev/null || true
done
