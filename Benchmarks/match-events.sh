#!/usr/bin/env bash
# What committing every match's event before the lookup answers costs (issue 27), for two `vigil`
# binaries in one run (the release before it, which wrote no match event, and this one), each on
# its own copy of the same 1M hashes, SQLite: /status/live, hash lookups that all match (distance
# 10) and hash lookups that all miss, c=4 and c=16, in alternated rounds; then, for the new binary,
# the group commits from its /metrics (events per transaction, mean commit time).
# Run Benchmarks/serve.sh first (it makes data/index-N/hashes.csv and the hit paths).
# Usage: Benchmarks/match-events.sh OLD_VIGIL NEW_VIGIL [N] [SECONDS]   (defaults 1000000, 10; SMOKE=1: 2000, 1, one round)
#   SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
old=$1 new=$2 n=${3:-$(sized 2000 1000000)} seconds=${4:-$(sized 1 10)}
port=18097
hits=$data_root/serve-$n/paths.txt misses=$data_root/serve-$n/misses.txt
[[ -f $hits ]] || { echo "no $hits: run Benchmarks/serve.sh $n first" >&2; exit 1; }
[[ -f $misses ]] || python3 serve/misses.py "$misses"
need_wrk
for label in old new; do
  vigil=${!label}
  work=$data_root/events-$label-$n
  if [[ ! -f $work/vigil.sqlite ]]; then
    rm -rf "$work"; mkdir -p "$work"
    "$vigil" bank create BENCH_PDQ --data-dir "$work" > /dev/null
    "$vigil" bank import BENCH_PDQ "$data_root/index-$n/hashes.csv" --data-dir "$work" > /dev/null
    "$vigil" keys create --role admin --data-dir "$work" > "$work/key"
  fi
done
echo "== machine"; lscpu | grep -E "Model name|^CPU\(s\)"
for round in $(seq "$(sized 1 2)"); do
  for label in old new; do
    vigil=${!label}; work=$data_root/events-$label-$n
    export VIGIL_KEY=$(cat "$work/key")
    "$vigil" serve --data-dir "$work" --port $port --no-demo-bank --log-level warning > /dev/null 2> /dev/null &
    pid=$!
    wait_ready $port $pid
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
    if not m:
        sys.exit(f"/metrics has no {name}")
    return float(m.group(1))
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
