#!/usr/bin/env bash
# CyberTipline report benchmark (issue 12), on SQLite and on PostgreSQL, through a release
# `vigil serve` and `vigil mock ncmec-cybertipline` (which validates every document against the
# XSD): how long a case with 10 files takes from approval to finished, one report at a time, and
# how many reports per minute one process completes when many are approved at once.
# Usage: Benchmarks/reports.sh [ROUNDS] [REPORTS]   (defaults 10, 30; SMOKE=1: 1, 2)
#   VIGIL=, SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
rounds=${1:-$(sized 1 10)}
reports=${2:-$(sized 2 30)}
port=18100
mock_port=18101

../scripts/install-deps.sh --test
use_vigil
echo "== machine"; lscpu | grep -E "Model name|^CPU\(s\)"

# Ten distinct benign JPEGs: the reference set's photographs (seven labelme scenes, the two
# bridge variants, a small image).
images=$data_root/report-images
rm -rf "$images"; mkdir -p "$images"
cp "$reference"/reg-test-input/labelme-subset/q*.jpg "$reference"/bridge-mods/*.jpg "$reference"/misc-images/small.jpg "$images"/
ls "$images" | head -10 > /dev/null
count=$(ls "$images" | wc -l)
[[ $count -ge 10 ]] || { echo "need 10 images in $images, found $count" >&2; exit 1; }
ls "$images" | tail -n +11 | while read -r extra; do rm "$images/$extra"; done

"$vigil" mock ncmec-cybertipline --port $mock_port > "$data_root/mock.out" 2>&1 &
mock=$!
trap "kill $mock 2>/dev/null || true" EXIT
until curl -sf -u esp-user:esp-password "http://127.0.0.1:$mock_port/status" > /dev/null; do
  kill -0 $mock 2> /dev/null || { echo "the CyberTipline mock exited before it answered (see $data_root/mock.out)" >&2; exit 1; }
  sleep 0.05
done

bench() {  # bench NAME [--database-url URL]
  local name=$1; shift
  local work=$data_root/reports-$name
  rm -rf "$work"; mkdir -p "$work"
  local key; key=$("$vigil" keys create --role admin --label bench --data-dir "$work" "$@")
  # The mock is on loopback, which the fetcher refuses unless allowed.
  "$vigil" serve --data-dir "$work" --port $port --fetch-allow 127.0.0.0/8 --log-level warning "$@" > "$work/serve.out" 2> "$work/serve.log" &
  local pid=$!
  trap "kill $pid ${mock:-} 2>/dev/null || true" EXIT
  wait_ready $port $pid
  # (an error's body goes to standard error)
  curl -sS --fail-with-body -X POST "http://127.0.0.1:$port/v1/credentials" -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
    -d "{\"integration\":\"ncmec_cybertipline\",\"values\":{\"nickname\":\"mock\",\"username\":\"esp-user\",\"password\":\"esp-password\",\"endpoint\":\"http://127.0.0.1:$mock_port\"}}" > "$work/setup.out" \
    || { cat "$work/setup.out" >&2; return 1; }
  curl -sS --fail-with-body -X PUT "http://127.0.0.1:$port/v1/report-settings" -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
    -d '{"esp_service":"ExampleApp","reporter":{"email":"trust-safety@example.com"}}' > "$work/setup.out" \
    || { cat "$work/setup.out" >&2; return 1; }
  echo "== $name: one at a time"
  python3 reports/drive.py latency "http://127.0.0.1:$port" "$key" "$images" "$rounds"
  echo "== $name: $reports at once (job_concurrency ${VIGIL_JOB_CONCURRENCY:-4})"
  python3 reports/drive.py throughput "http://127.0.0.1:$port" "$key" "$images" "$reports"
  kill $pid; wait $pid 2>/dev/null || true
}

bench sqlite
../scripts/with-postgres.sh bash -c "set -euo pipefail; $(declare -f bench wait_ready); vigil=$vigil rounds=$rounds reports=$reports port=$port mock_port=$mock_port images=$images data_root=$data_root; bench postgres --database-url \"\$VIGIL_TEST_DATABASE_URL\""
