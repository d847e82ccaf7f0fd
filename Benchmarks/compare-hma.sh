#!/usr/bin/env bash
# Vigil and Meta's HMA (OpenMediaMatch) in one run, same data, same queries: each service alone on
# the machine in turn. HMA must already be serving the same 1M hashes plus bridge-1-original.jpg in
# bank BENCH_PDQ at HMA_URL (recipe: ../shared/reference/hma-bench.md; stop it before Vigil's turn
# is not needed, but nothing else should be running). Vigil serves data/compare-new-N (made by
# compare-serve.sh) with the release build.
# Usage: Benchmarks/compare-hma.sh HMA_URL [N] [SECONDS]   (defaults 1000000, 20; SMOKE=1: 2000, 1)
#   An empty HMA_URL ('') runs Vigil's half alone. VIGIL=, SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
hma=$1 n=${2:-$(sized 2000 1000000)} seconds=${3:-$(sized 1 20)}
port=18095
vigil=${VIGIL:-../.build-release/release/vigil}
work=$data_root/compare-new-$n
key=$(cat "$work/key")
export IMAGE_FILE=$bridge PATHS_FILE=$data_root/serve-$n/paths.txt VIGIL_KEY=$key
need_wrk
run() { # name url
  echo -n "$1 GET /status/live       c=4 "; wrk -t1 -c4 -d${seconds}s -s serve/status.lua "$2" | grep RESULT
  for c in 1 4; do
    echo -n "$1 GET /m/lookup (hash)   c=$c "; wrk -t1 -c$c -d${seconds}s -s serve/lookup.lua "$2" | grep RESULT
  done
  for c in 1 2 4; do
    echo -n "$1 POST /m/lookup (image) c=$c "; wrk -t1 -c$c -d${seconds}s -s serve/upload.lua "$2" | grep RESULT
  done
}
"$vigil" serve --data-dir "$work" --port $port > /dev/null 2> /dev/null &
pid=$!
trap 'kill -CONT $pid 2>/dev/null || true; kill $pid 2>/dev/null || true' EXIT
wait_ready $port $pid
if [[ -n $hma ]]; then
  # Vigil waits while HMA runs, so HMA has the machine to itself, and the other way round.
  kill -STOP $pid
  run HMA "$hma"
  kill -CONT $pid
else
  skipped "the HMA half: no HMA_URL given (Meta's HMA is not installed here); Vigil's half alone"
fi
run Vigil "http://127.0.0.1:$port"
awk '/VmRSS/ {printf "Vigil resident after: %.1f MB\n", $2 * 1024 / 1e6}' "/proc/$pid/status"
kill $pid; wait $pid 2>/dev/null || true
