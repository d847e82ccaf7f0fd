#!/usr/bin/env bash
# Workflow benchmark (issue 10). The ready template "Screen uploaded image" (Match Lookup over the
# built-in banks → conditional) end to end through `vigil serve`, on SQLite and on PostgreSQL:
# runs/s and the p50/p99 time from trigger to finished run, images served locally; then the
# overhead a match.found trigger adds to a lookup, seen by the caller (wrk, hash lookups that
# match, without and with an event workflow listening).
# Usage: Benchmarks/workflows.sh [RUNS] [SECONDS]   (defaults 2000, 20)
set -euo pipefail
cd "$(dirname "$0")"
runs=${1:-2000}
seconds=${2:-20}
port=18097
imageport=18096

../scripts/install-deps.sh --test
command -v wrk >/dev/null || { if [[ $(id -u) == 0 ]]; then apt-get install -y wrk; else sudo apt-get install -y wrk; fi; }
(cd .. && swift build -c release --product vigil --scratch-path .build-release)
vigil=$(pwd)/../.build-release/release/vigil
echo "== machine"; lscpu | grep -E "Model name|^CPU\(s\)"

bench() {  # bench NAME [--database-url URL]
  local name=$1; shift
  local work=data/workflows-$name
  rm -rf "$work"; mkdir -p "$work"
  local key; key=$("$vigil" keys create --role admin --label bench --data-dir "$work" "$@")
  # The first start writes the demo bank, its images and the published template.
  "$vigil" serve --data-dir "$work" --port $port --fetch-allow 127.0.0.0/8 --log-level warning "$@" > "$work/serve.out" 2> "$work/serve.log" &
  local pid=$!
  trap "kill $pid 2>/dev/null || true" EXIT
  until curl -sf "http://127.0.0.1:$port/status/ready" > /dev/null; do sleep 0.05; done
  python3 -m http.server $imageport --bind 127.0.0.1 --directory "$work/demo" > /dev/null 2>&1 &
  local images=$!
  trap "kill $pid $images 2>/dev/null || true" EXIT
  # Half the uploads are a photograph the demo bank does not hold.
  cp ../../shared/data/pdq-reference/reg-test-input/dih/bridge-1-original.jpg "$work/demo/other.jpg"
  until curl -sf "http://127.0.0.1:$imageport/demo-1.jpg" > /dev/null; do sleep 0.05; done
  echo "== $name: template runs ($runs, 8 clients; half match)"
  python3 workflows/drive.py "http://127.0.0.1:$port" "$key" "Screen uploaded image" 50 4 "http://127.0.0.1:$imageport/demo-1.jpg" "http://127.0.0.1:$imageport/other.jpg" > /dev/null  # warm-up
  python3 workflows/drive.py "http://127.0.0.1:$port" "$key" "Screen uploaded image" "$runs" 8 "http://127.0.0.1:$imageport/demo-1.jpg" "http://127.0.0.1:$imageport/other.jpg"

  echo "== $name: one run at a time (1 client): the time from trigger to finished run, unloaded"
  python3 workflows/drive.py "http://127.0.0.1:$port" "$key" "Screen uploaded image" 200 1 "http://127.0.0.1:$imageport/demo-1.jpg" "http://127.0.0.1:$imageport/other.jpg"

  echo "== $name: a matching hash lookup (c=4): no event workflow; one whose condition never holds; one that runs on every match"
  local pdq; pdq=$("$vigil" hash "$work/demo/demo-1.jpg" | cut -d, -f1)
  export VIGIL_KEY=$key PATH_TO_GET="/m/lookup?signal_type=pdq&signal=$pdq"
  listener() {  # listener NAME CONDITION
    curl -sf -X POST -H "Authorization: Bearer $key" -H "Content-Type: application/json" "http://127.0.0.1:$port/v1/workflows" -d '{
      "name": "'"$1"'", "trigger": {"type": "event", "events": ["match.found"], "condition": "'"$2"'"},
      "steps": [{"id": "look", "type": "conditional", "branches": [{"condition": "trigger.is_match", "steps": []}]}]}' > /dev/null
    curl -sf -X POST -H "Authorization: Bearer $key" "http://127.0.0.1:$port/v1/workflows/$1/publish" > /dev/null
  }
  # Interleaved, two rounds: this machine's throughput drifts by a fifth between minutes.
  for round in 1 2; do
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
../scripts/with-postgres.sh bash -c "$(declare -f bench); vigil=$vigil runs=$runs seconds=$seconds port=$port imageport=$imageport; bench postgres --database-url \"\$VIGIL_TEST_DATABASE_URL\""
