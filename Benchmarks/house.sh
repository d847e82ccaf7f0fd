#!/usr/bin/env bash
# Issue 29 changed no behaviour on the hot paths but touched them (the hex writer every export
# and answer uses, the lookup's bank filter, the connection guard): the same measurements,
# before and after, on one machine in one run.
#   Benchmarks/house.sh OLD_VIGIL NEW_VIGIL [SECONDS] [N]   (defaults 15, 1000000; SMOKE=1: 1, 2000, one round)
# - hash lookups/s over HTTP (wrk, 1M-hash bank, as Benchmarks/serve.sh), twice each, alternated;
# - `vigil bank export` of the 1M hashes as CSV and as a list (seconds, best of two).
# SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
old=$1 new=$2 seconds=${3:-$(sized 1 15)} n=${4:-$(sized 2000 1000000)}
port=18178
work=$data_root/house
base=$data_root/limits/base
[[ -f $base/vigil.sqlite ]] || { echo "run Benchmarks/limits.sh first: it builds $base (N hashes)" >&2; exit 1; }
mkdir -p "$work"
need_wrk
lscpu | grep -E "Model name|^CPU\(s\)"
path=$(head -1 "$data_root/serve-$n/paths.txt")
for round in $(seq "$(sized 1 2)"); do
  for which in old new; do
    vigil=${!which}
    rm -rf "$work/$which"; cp -r "$base" "$work/$which"
    key=$("$vigil" keys create --role admin --label bench --data-dir "$work/$which")
    "$vigil" serve --data-dir "$work/$which" --port $port --log-level warning > /dev/null 2>&1 &
    pid=$!
    wait_ready $port $pid
    printf "round %s %-4s lookups: " "$round" "$which"
    wrk -t2 -c32 -d"${seconds}s" -H "Authorization: Bearer $key" "http://127.0.0.1:$port$path" \
      | awk '/Requests\/sec/ {rps = $2} /Non-2xx/ {bad = $0} END {print rps "/s"; if (bad) print bad}'
    kill $pid; wait $pid 2>/dev/null || true
    for format in csv list; do
      best=999999
      for _ in 1 2; do
        start=$(date +%s.%N)
        "$vigil" bank export BENCH_PDQ --format $format --data-dir "$work/$which" > /dev/null
        took=$(echo "$(date +%s.%N) - $start" | bc)
        best=$(echo "if ($took < $best) $took else $best" | bc)
      done
      printf "round %s %-4s export %-4s: %.2f s\n" "$round" "$which" "$format" "$best"
    done
  done
done
