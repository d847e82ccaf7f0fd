#!/usr/bin/env bash
# The soak (issue 32 §5): two `vigil serve` replicas on one PostgreSQL behind nginx
# (deploy/nginx-vigil.conf), for MINUTES at 80% of the peak measured first by the same driver:
# hash and image lookups, workflow runs that open cases and send signed webhooks, a 1M-hash import,
# a hash-sharing sync from the mock (at the start and every 5 minutes), a CyberTipline report to
# the mock every minute; one replica killed with `kill -9` KILLS times and restarted. At the end:
# errors other than the killed replica's in-flight requests, runs/cases/deliveries/reports counted
# against what was asked (database and receivers), resident memory after the first 5 minutes, and
# each replica's change-log lag (soak/drive.py prints the figures).
# Usage: Benchmarks/soak.sh [MINUTES] [PEAK_SECONDS] [KILLS]   (defaults 60, 60, 2; SMOKE=1: 0.5, 5, 1)
#   VIGIL=, SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh. It needs the machine to itself.
#   Uses VIGIL_TEST_DATABASE_URL when set (its cluster's public schema is dropped first), else starts
#   a throw-away cluster (scripts/with-postgres.sh).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
minutes=${1:-$(sized 0.5 60)}
peak=${2:-$(sized 5 60)}
kills=${3:-$(sized 1 2)}
hashes=$(sized 20000 1000000)
generated=$(sized 1000 100000)

../scripts/install-deps.sh --test  # nginx among them
use_vigil
echo "== machine"; lscpu | grep -E "Model name|^CPU\(s\)"; free -g | head -2

if [[ -z ${VIGIL_TEST_DATABASE_URL:-} ]]; then
  exec ../scripts/with-postgres.sh env VIGIL="$vigil" BENCH_DATA="$(realpath "$data_root")" SMOKE="${SMOKE:-}" "$(pwd)/soak.sh" "$minutes" "$peak" "$kills"
fi
url=$VIGIL_TEST_DATABASE_URL
psql "$url" -q -c "DROP SCHEMA public CASCADE" -c "CREATE SCHEMA public" > /dev/null

# Ten distinct benign photographs of the reference set: the first five go into the match bank.
images=$data_root/soak-images
rm -rf "$images"; mkdir -p "$images"
cp "$reference"/reg-test-input/labelme-subset/q*.jpg "$reference"/bridge-mods/*.jpg "$images"/
work=$data_root/soak
rm -rf "$work"; mkdir -p "$work/nginx/logs"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  nginx -p "$work/nginx" -c nginx.conf -s stop 2> /dev/null || true
}
trap cleanup EXIT

"$vigil" mock ncmec-cybertipline --port 18185 > "$work/cybertipline.out" 2>&1 & pids+=($!)
"$vigil" mock ncmec-hash-sharing --port 18186 --generated "$generated" > "$work/hash-sharing.out" 2>&1 & pids+=($!)
until curl -sf -u esp-user:esp-password http://127.0.0.1:18185/status > /dev/null && curl -sf -u esp-user:esp-password http://127.0.0.1:18186/v2/status > /dev/null; do
  for p in "${pids[@]}"; do kill -0 "$p" 2> /dev/null || { echo "a mock exited before it answered (see $work/*.out)" >&2; exit 1; }; done
  sleep 0.1
done

# nginx as docs/deployment.md has it, on these ports.
sed -e "s/127.0.0.1:8081/127.0.0.1:18181/; s/127.0.0.1:8082/127.0.0.1:18182/; s/listen 8080;/listen 127.0.0.1:18180;/" ../deploy/nginx-vigil.conf > "$work/nginx/vigil.conf"
printf "pid nginx.pid;\nerror_log logs/error.log;\nworker_processes 1;\nevents { worker_connections 4096; }\nhttp {\n  access_log off;\n  include vigil.conf;\n}\n" > "$work/nginx/nginx.conf"
nginx -p "$work/nginx" -c nginx.conf

# Replicas share the credential vault's master key (docs/deployment.md).
export VIGIL_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
key=$("$vigil" keys create --role admin --label soak --data-dir "$work/a" --database-url "$url")
python3 soak/drive.py --vigil "$vigil" --work "$work" --database-url "$url" --key "$key" --images "$images" \
  --minutes "$minutes" --peak-seconds "$peak" --kills "$kills" --import-hashes "$hashes" \
  --cybertipline http://127.0.0.1:18185 --hash-sharing http://127.0.0.1:18186
