#!/usr/bin/env bash
# Issue 28's limits and what they cost, before and after, on one machine in one run:
#   Benchmarks/limits.sh OLD_VIGIL NEW_VIGIL [SECONDS]
# - hash lookups/s through the connection guard (wrk, 1M-hash bank, as Benchmarks/serve.sh);
# - four 32 MB JSON bodies and four 100-megapixel images at once: peak resident memory;
# - a body at one byte per 20 s: how long its connection stays open;
# - two workflow runs whose condition searches a megabyte of text (new only: the old took 73 s).
set -euo pipefail
cd "$(dirname "$0")"
old=$1 new=$2 seconds=${3:-20}
port=18177
work=data/limits
mkdir -p "$work"
[[ -f data/index-1000000/hashes.csv ]] || python3 serve/generate.py 1000000 data/index-1000000/hashes.csv
[[ -f data/serve-1000000/paths.txt ]] || { mkdir -p data/serve-1000000; python3 serve/queries.py data/index-1000000/hashes.csv data/serve-1000000/paths.txt; }
base=$work/base
if [[ ! -f $base/vigil.sqlite ]]; then
  rm -rf "$base"; mkdir -p "$base"
  "$old" bank create BENCH_PDQ --data-dir "$base"
  "$old" bank import BENCH_PDQ data/index-1000000/hashes.csv --data-dir "$base"
fi
[[ -f $work/100mp.jpg ]] || convert -size 10000x10000 gradient:navy-orange -quality 85 "$work/100mp.jpg"
lscpu | grep -E "Model name|^CPU\(s\)"
for which in old new; do
  vigil=${!which}
  rm -rf "$work/$which"; cp -r "$base" "$work/$which"
  key=$("$vigil" keys create --role admin --label bench --data-dir "$work/$which")
  "$vigil" serve --data-dir "$work/$which" --port $port --log-level warning > /dev/null 2> "$work/$which.log" &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/status/ready" > /dev/null; do sleep 0.1; done
  echo "== $which ($vigil)"
  path=$(head -1 data/serve-1000000/paths.txt)
  wrk -t2 -c32 -d"${seconds}s" -H "Authorization: Bearer $key" "http://127.0.0.1:$port$path" | grep -E "Requests/sec|Latency"
  python3 limits/attack.py "http://127.0.0.1:$port" "$key" $pid json
  python3 limits/attack.py "http://127.0.0.1:$port" "$key" $pid images "$work/100mp.jpg"
  python3 limits/attack.py "http://127.0.0.1:$port" "$key" $pid slowbody
  [[ $which == new ]] && python3 limits/attack.py "http://127.0.0.1:$port" "$key" $pid needle
  kill $pid; wait $pid 2>/dev/null || true
done
