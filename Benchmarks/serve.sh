#!/usr/bin/env bash
# Load benchmark of `vigil serve` (issue 4): SQLite, one bank of 1M PDQ hashes, wrk on the same
# machine. Hash lookups (GET /m/lookup?signal_type=pdq&signal=…) and image lookups (POST /m/lookup
# with a 1600×1004 JPEG), requests/s with p50/p99; resident memory; start → ready time.
# Usage: Benchmarks/serve.sh [N] [SECONDS]   (defaults 1000000, 30; SMOKE=1: 2000, 1)
#   VIGIL=, SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
n=${1:-$(sized 2000 1000000)}
seconds=${2:-$(sized 1 30)}
data=$data_root/index-$n
work=$data_root/serve-$n
port=18099
image=$bridge

../scripts/install-deps.sh
need_wrk
use_vigil
mkdir -p "$data"
[[ -f $data/hashes.csv ]] || python3 serve/generate.py "$n" "$data/hashes.csv"

if [[ ! -f $work/vigil.sqlite ]]; then
  rm -rf "$work"; mkdir -p "$work"
  "$vigil" bank create BENCH_PDQ --data-dir "$work"
  /usr/bin/time -f "import: %e s" "$vigil" bank import BENCH_PDQ "$data/hashes.csv" --data-dir "$work"
  # The image the upload benchmark posts is banked too, as in HMA's run: every lookup is a hit.
  "$vigil" bank import BENCH_PDQ "$image" --data-dir "$work"
fi
[[ -f $work/paths.txt ]] || python3 serve/queries.py "$data/hashes.csv" "$work/paths.txt"
key=$(cat "$work/key" 2>/dev/null || "$vigil" keys create --role matcher --label bench --data-dir "$work" | tee "$work/key")

echo "== machine"; lscpu | grep -E "Model name|^CPU\(s\)"
start=$(date +%s.%N)
"$vigil" serve --data-dir "$work" --port $port > "$work/serve.out" 2> "$work/access.log" &  # default log level: one JSON access line per request
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
wait_ready $port $pid
ready=$(date +%s.%N)
echo "start → ready with $n hashes: $(python3 -c "print(round($ready - $start, 2))") s"
rss() { awk '/VmRSS/ {printf "%.1f MB\n", $2 * 1024 / 1e6}' "/proc/$pid/status"; }
echo "resident after ready: $(rss)"
curl -sf -H "Authorization: Bearer $key" "http://127.0.0.1:$port/m/index/status"; echo

export VIGIL_KEY=$key PATHS_FILE=$work/paths.txt IMAGE_FILE=$image
echo "== the HTTP floor: GET /status/live (no key, no index)"
for c in 4 16; do
  echo -n "c=$c "; wrk -t1 -c$c -d${seconds}s -s serve/status.lua "http://127.0.0.1:$port" | grep RESULT
done
echo "== hash lookups: GET /m/lookup?signal_type=pdq&signal=… (all hits at distance 10)"
for c in 1 4 16; do
  echo -n "c=$c "; wrk -t1 -c$c -d${seconds}s -s serve/lookup.lua "http://127.0.0.1:$port" | grep RESULT
done
echo "resident after hash lookups: $(rss)"
echo "== image lookups: POST /m/lookup, multipart photo = bridge-1-original.jpg (1600×1004)"
curl -sf -H "Authorization: Bearer $key" -F "photo=@$image" "http://127.0.0.1:$port/m/lookup"; echo
for c in 1 2 4 16; do
  echo -n "c=$c "; wrk -t1 -c$c -d${seconds}s -s serve/upload.lua "http://127.0.0.1:$port" | grep RESULT
done
echo "resident after image lookups: $(rss)"
echo "== upload burst: 16 clients upload as fast as they can; meanwhile one client each probes /status/live and hash lookups"
wrk -t1 -c16 -d$((seconds + 4))s -s serve/upload.lua "http://127.0.0.1:$port" > "$work/burst.out" &
burst=$!
sleep 2
wrk -t1 -c1 -d${seconds}s -s serve/status.lua "http://127.0.0.1:$port" | grep RESULT | sed 's/^/status\/live during the burst, c=1 /' &
wrk -t1 -c1 -d${seconds}s -s serve/lookup.lua "http://127.0.0.1:$port" | grep RESULT | sed 's/^/hash lookups during the burst, c=1 /'
wait %2 2>/dev/null || true
wait $burst
echo -n "the burst itself, c=16 (non2xx are 503 busy answers) "; grep RESULT "$work/burst.out"
echo "resident after the burst: $(rss)"
