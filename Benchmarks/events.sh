#!/usr/bin/env bash
# Event benchmark (issue 11), on SQLite and on PostgreSQL, through a release `vigil serve`:
# the time from a lookup's match to its event on an SSE stream (p50/p99), and the events/s the
# stream and signed webhooks sustain while clients do matching hash lookups as fast as they can.
# Usage: Benchmarks/events.sh [LOOKUPS] [SECONDS] [CLIENTS]   (defaults 500, 20, 4; SMOKE=1: 20, 1, 2)
#   VIGIL=, SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
lookups=${1:-$(sized 20 500)}
seconds=${2:-$(sized 1 20)}
clients=${3:-$(sized 2 4)}
port=18098

../scripts/install-deps.sh --test
use_vigil
echo "== machine"; lscpu | grep -E "Model name|^CPU\(s\)"

bench() {  # bench NAME [--database-url URL]
  local name=$1; shift
  local work=$data_root/events-$name
  rm -rf "$work"; mkdir -p "$work"
  local key; key=$("$vigil" keys create --role admin --label bench --data-dir "$work" "$@")
  # Every match is written (record_match_events), as a webhook subscription to match.found asks.
  VIGIL_RECORD_MATCH_EVENTS=true "$vigil" serve --data-dir "$work" --port $port --fetch-allow 127.0.0.0/8 --log-level warning "$@" > "$work/serve.out" 2> "$work/serve.log" &
  local pid=$!
  trap "kill $pid 2>/dev/null || true" EXIT
  wait_ready $port $pid
  local pdq; pdq=$("$vigil" hash "$work/demo/demo-1.jpg" | cut -d, -f1)
  echo "== $name: match -> SSE"
  python3 events/drive.py latency "http://127.0.0.1:$port" "$key" "$pdq" "$lookups"
  echo "== $name: sustained, ${seconds} s"
  python3 events/drive.py throughput "http://127.0.0.1:$port" "$key" "$pdq" "$seconds" "$clients"
  kill $pid; wait $pid 2>/dev/null || true
}

bench sqlite
../scripts/with-postgres.sh bash -c "set -euo pipefail; $(declare -f bench wait_ready); vigil=$vigil lookups=$lookups seconds=$seconds clients=$clients port=$port data_root=$data_root; bench postgres --database-url \"\$VIGIL_TEST_DATABASE_URL\""
