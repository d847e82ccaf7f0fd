#!/usr/bin/env bash
# Workflow benchmark (issue 10). The ready template "Screen uploaded image" (Match Lookup over the
# built-in banks → conditional) end to end through `vigil serve`, on SQLite and on PostgreSQL:
# runs/s and the p50/p99 time from trigger to finished run, images served locally; then the
# overhead a match.found trigger adds to a lookup, seen by the caller (wrk, hash lookups that
# match, without and with an event workflow listening).
# Usage: Benchmarks/workflows.sh [RUNS] [SECONDS]   (defaults 2000, 20; SMOKE=1: 20, 1)
#   The warm-up (50 runs) and the one-client pass (200 runs) take at most RUNS each.
#   VIGIL=, SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
runs=${1:-$(sized 20 2000)}
seconds=${2:-$(sized 1 20)}
port=18097
imageport=18096
warmup=$((runs < 50 ? runs : 50)) single=$((runs < 200 ? runs : 200)) rounds=$(sized 1 2)

../scripts/install-deps.sh --test
need_wrk
use_vigil
echo "== machine"; lscpu | grep -E "Model name|^CPU\(s\)"

bench() {  # bench NAME [--database-url URL]
  local name=$1; shift
  local work=$data_root/workflows-$name
  rm -rf "$work"; mkdir -p "$work"
  local key; key=$("$vigil" keys create --role admin --label bench --data-dir "$work" "$@")
  # The first start writes the demo bank, its images and the published template.
  "$vigil" serve --data-dir "$work" --port $port --fetch-allow 127.0.0.0/8 --log-level warning "$@" > "$work/serve.out" 2> "$work/serve.log" &
  local pid=$!
  trap "kill $pid 2>/dev/null || true" EXIT
  wait_ready $port $pid
  python3 -m http.server $imageport --bind 127.0.0.1 --directory "$work/demo" > /dev/null 2>&1 &
  local images=$!
  trap "kill $pid $images 2>/dev/null || true" EXIT
  # Half the uploads are a photograph the demo bank does not hold.
  cp "$bridge" "$work/demo/other.jpg"
  until curl -sf "http://127.0.0.1:$imageport/demo-1.jpg" > /dev/null; do sleep 0.05; done
  echo "== $name: template runs ($runs, 8 clients; half match)"
  python3 workflows/drive.py "http://127.0.0.1:$port" "$key" "Screen uploaded image" "$warmup" 4 "http://127.0.0.1:$imageport/demo-1.jpg" "http://127.0.0.1:$imageport/other.jpg" > /dev/null  # warm-up
  python3 workflows/drive.py "http://127.0.0.1:$port" "$key" "Screen uploaded image" "$runs" 8 "http://127.0.0.1:$imageport/demo-1.jpg" "http://127.0.0.1:$imageport/other.jpg"

  echo "== $name: one run at a time (1 client): the time from trigger to finished run, unloaded"
  python3 workflows/drive.py "http://127.0.0.1:$port" "$key" "Screen uploaded image" "$single" 1 "http://127.0.0.1:$imageport/demo-1.jpg" "http://127.0.0.1:$imageport/other.jpg"

  echo "== $name: a matching hash lookup (c=4): no event workflow; one whose condition never holds; one that runs on every match"
  local pdq; pdq=$("$vigil" hash "$work/demo/demo-1.jpg" | cut -d, -f1)
  export VIGIL_KEY=$key PATH_TO_GET="/m/lookup?signal_type=pdq&signal=$pdq"
  listener() {  # listener NAME CONDITION
    curl -sf -X POST -H "Authorization: Bearer $key" -H "Content-Type: application/json" "http://127.0.0.1:$port/v1/workflows" -d '{
      "name": "'"$1"'", "trigger": {"type": "event", "events": ["match.found"], "condition": "'"$2"'"},
      "steps": [{"id": "look", "type": "conditional", "branches": [{"condition": "trigger.is_match", "steps": []}]}]}' > /dev/null
    curl -sf -X POST -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/workflows/$1/publish" > /dev/null
  }
  # Interleaved, two rounds (one with SMOKE=1): this machine's throughput drifts by a fifth between minutes.
  for round in $(seq "$rounds"); do
    echo -n "no listener        "; wrk -t1 -c4 -d${seconds}s -s serve/path.lua "http://127.0.0.1:$port" | grep RESULT
    listener never "trigger.api == 'photodna'"
    echo -n "condition false    "; wrk -t1 -c4 -d${seconds}s -s serve/path.lua "http://127.0.0.1:$port" | grep RESULT
    curl -sf -X DELETE -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/workflows/never" > /dev/null
    sleep 1.5  # the deleted workflow leaves the listeners at the next read (every second)
  done
  listener every "trigger.api == 'hma'"
  local before; before=$(curl -sf -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/workflow-runs?limit=1" | python3 -c "import json,sys; r=json.load(sys.stdin)['runs']; print(r[0]['id'] if r else 0)")
  echo -n "a run per match    "; wrk -t1 -c4 -d${seconds}s -s serve/path.lua "http://127.0.0.1:$port" | grep RESULT
  local after; after=$(curl -sf -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/workflow-runs?limit=1" | python3 -c "import json,sys; print(json.load(sys.stdin)['runs'][0]['id'])")
  echo "runs started by those lookups: $((after - before)); events dropped (buffer full): $(grep -o '"dropped":"[0-9]*"' "$work/serve.log" | tail -1)"
  kill $images $pid; wait $pid 2>/dev/null || true
}

bench sqlite
../scripts/with-postgres.sh bash -c "set -euo pipefail; $(declare -f bench wait_ready); vigil=$vigil runs=$runs seconds=$seconds port=$port imageport=$imageport warmup=$warmup single=$single rounds=$rounds data_root=$data_root bridge=$bridge; bench postgres --database-url \"\$VIGIL_TEST_DATABASE_URL\""
