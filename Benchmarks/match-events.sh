#!/usr/bin/env bash
# What committing every match's event before the lookup answers costs (issue 27), for two `vigil`
# binaries in one run (the release before it, which wrote no match event, and this one), each on
# its own copy of the same 1M hashes, SQLite: /status/live, hash lookups that all match (distance
# 10) and hash lookups that all miss, c=4 and c=16, in alternated rounds; then, for the new binary,
# the group commits from its /metrics (events per transaction, mean commit time).
# Run Benchmarks/serve.sh first (it makes data/index-N/hashes.csv and the hit paths).
# Usage: Benchmarks/match-events.sh OLD_VIGIL NEW_VIGIL [N] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
old=$1 new=$2 n=${3:-1000000} seconds=${4:-10}
port=18097
hits=data/serve-$n/paths.txt misses=data/serve-$n/misses.txt
[[ -f $misses ]] || python3 serve/misses.py "$misses"
for label in old new; do
  vigil=${!label}
  work=data/events-$label-$n
  if [[ ! -f $work/vigil.sqlite ]]; then
    rm -rf "$work"; mkdir -p "$work"
    "$vigil" bank create BENCH_PDQ --data-dir "$work" > /dev/null
    "$vigil" bank import BENCH_PDQ "data/index-$n/hashes.csv" --data-dir "$work" > /dev/null
    "$vigil" keys create --role admin --data-dir "$work" > "$work/key"
  fi
done
echo "== machine"; lscpu | grep -E "Model name|^CPU\(s\)"
for round in 1 2; do
  for label in old new; do
    vigil=${!label}; work=data/events-$label-$n
    export VIGIL_KEY=$(cat "$work/key")
    "$vigil" serve --data-dir "$work" --port $port --no-demo-bank --log-level warning > /dev/null 2> /dev/null &
    pid=$!
    until curl -sf "http://127.0.0.1:$port/status/ready" > /dev/null; do sleep 0.05; done
    echo "== round $round, $label"
    echo -n "status/live c=4      "; wrk -t1 -c4 -d${seconds}s -s serve/status.lua "http://127.0.0.1:$port" | grep RESULT
    for c in 4 16; do
      echo -n "all hits c=$c       "; PATHS_FILE=$hits wrk -t1 -c$c -d${seconds}s -s serve/lookup.lua "http://127.0.0.1:$port" | grep RESULT
      echo -n "all misses c=$c     "; PATHS_FILE=$misses wrk -t1 -c$c -d${seconds}s -s serve/lookup.lua "http://127.0.0.1:$port" | grep RESULT
    done
    if [[ $label == new ]]; then
      curl -sf -H "Authorization: Bearer $VIGIL_KEY" "http://127.0.0.1:$port/metrics" \
        | python3 -c '
import re, sys
text = sys.stdin.read()
def value(name):
    m = re.search(r"^" + re.escape(name) + r"(?:\{[^}]*\})? ([0-9.e+]+)$", text, re.M)
    return float(m.group(1)) if m else 0.0
commits = value("vigil_lookup_event_commit_duration_seconds_count")
seconds = value("vigil_lookup_event_commit_duration_seconds_sum")
events = value("vigil_lookup_events_committed_total")
transactions = value("vigil_lookup_event_transactions_total")
print(f"match events: {int(events)} in {int(transactions)} transactions ({events / max(transactions, 1):.1f} a transaction); "
      f"mean wait of a matching lookup for its commit {1000 * seconds / max(commits, 1):.2f} ms")
'
    fi
    kill $pid; wait $pid 2>/dev/null || true
  done
done
