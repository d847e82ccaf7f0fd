#!/usr/bin/env bash
# Issue 28's limits and what they cost, before and after, on one machine in one run:
#   Benchmarks/limits.sh OLD_VIGIL NEW_VIGIL [SECONDS] [N]   (defaults 20, 1000000; SMOKE=1: 1, 2000)
# - hash lookups/s through the connection guard (wrk, 1M-hash bank, as Benchmarks/serve.sh);
# - four 32 MB JSON bodies and four 100-megapixel images at once: peak resident memory;
# - a body at one byte per 20 s: how long its connection stays open;
# - two workflow runs whose condition searches a megabyte of text (new only: the old took 73 s).
# SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
old=$1 new=$2 seconds=${3:-$(sized 1 20)} n=${4:-$(sized 2000 1000000)}
port=18177
work=$data_root/limits
hashes=$data_root/index-$n/hashes.csv paths=$data_root/serve-$n/paths.txt
mkdir -p "$work"
need_wrk
[[ -f $hashes ]] || { mkdir -p "$(dirname "$hashes")"; python3 serve/generate.py "$n" "$hashes"; }
[[ -f $paths ]] || { mkdir -p "$(dirname "$paths")"; python3 serve/queries.py "$hashes" "$paths"; }
base=$work/base
if [[ ! -f $base/vigil.sqlite ]]; then
  rm -rf "$base"; mkdir -p "$base"
  "$old" bank create BENCH_PDQ --data-dir "$base"
  "$old" bank import BENCH_PDQ "$hashes" --data-dir "$base"
fi
[[ -f $work/100mp.jpg ]] || convert -size 10000x10000 gradient:navy-orange -quality 85 "$work/100mp.jpg"
lscpu | grep -E "Model name|^CPU\(s\)"
turns="old new"
if smoke && [[ $(realpath "$old") == "$(realpath "$new")" ]]; then
  turns=new
  skipped "the old binary's turn: OLD_VIGIL and NEW_VIGIL are the same binary (SMOKE=1 measures it once)"
fi
for which in $turns; do
  vigil=${!which}
  rm -rf "$work/$which"; cp -r "$base" "$work/$which"
  key=$("$vigil" keys create --role admin --label bench --data-dir "$work/$which")
  "$vigil" serve --data-dir "$work/$which" --port $port --log-level warning > /dev/null 2> "$work/$which.log" &
  pid=$!
  wait_ready $port $pid
  echo "== $which ($vigil)"
  path=$(head -1 "$paths")
  wrk -t2 -c32 -d"${seconds}s" -H "Authorization: Bearer $key" "http://127.0.0.1:$port$path" | grep -E "Requests/sec|Latency|Non-2xx"
  python3 limits/attack.py "http://127.0.0.1:$port" "$key" $pid json
  python3 limits/attack.py "http://127.0.0.1:$port" "$key" $pid images "$work/100mp.jpg"
  python3 limits/attack.py "http://127.0.0.1:$port" "$key" $pid slowbody
  [[ $which == new ]] && python3 limits/attack.py "http://127.0.0.1:$port" "$key" $pid needle
  kill $pid; wait $pid 2>/dev/null || true
done
