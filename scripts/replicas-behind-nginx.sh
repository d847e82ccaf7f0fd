#!/usr/bin/env bash
# Proves docs/deployment.md on this machine: a throw-away PostgreSQL, two `vigil serve` replicas
# (each with its own data directory) and nginx in front of them, all on 127.0.0.1. Writes go
# through nginx; every replica then matches them, and nginx keeps answering when a replica dies.
#   scripts/replicas-behind-nginx.sh [path/to/vigil]
set -euo pipefail
cd "$(dirname "$0")/.."
vigil=${1:-$(pwd)/.build/debug/vigil}
[[ -x $vigil ]] || { echo "build vigil first (swift build), or pass its path" >&2; exit 1; }
scripts/install-deps.sh --test  # nginx among them

exec scripts/with-postgres.sh bash -c '
set -euo pipefail
vigil=$1
work=$(mktemp -d /tmp/vigil-lb.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; nginx -p "$work/nginx" -c nginx.conf -s stop 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
db=(--database-url "$VIGIL_TEST_DATABASE_URL")
# Replicas share the credential vault's master key (docs/deployment.md).
export VIGIL_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
key=$("$vigil" keys create --role admin --data-dir "$work/a" "${db[@]}")
for replica in a:18081 b:18082; do
  name=${replica%%:*}; port=${replica##*:}
  "$vigil" serve --data-dir "$work/$name" --port "$port" --no-demo-bank --log-level warning "${db[@]}" > "$work/$name.log" 2>&1 &
  pids+=($!)
done
until curl -sf http://127.0.0.1:18081/status/ready >/dev/null && curl -sf http://127.0.0.1:18082/status/ready >/dev/null; do sleep 0.1; done

mkdir -p "$work/nginx/logs"
sed -e "s/127.0.0.1:8081/127.0.0.1:18081/; s/127.0.0.1:8082/127.0.0.1:18082/; s/listen 8080;/listen 127.0.0.1:18080;/" deploy/nginx-vigil.conf > "$work/nginx/vigil.conf"
printf "pid nginx.pid;\nerror_log logs/error.log;\nevents {}\nhttp {\n  access_log logs/access.log;\n  include vigil.conf;\n}\n" > "$work/nginx/nginx.conf"
nginx -p "$work/nginx" -c nginx.conf
lb=http://127.0.0.1:18080
auth=(-H "Authorization: Bearer $key")
fail() { echo "FAIL: $*" >&2; exit 1; }

curl -sf "${auth[@]}" -H "Content-Type: application/json" -d "{\"name\":\"LB_BANK\"}" "$lb/v1/banks" >/dev/null || fail "create a bank through nginx"
pdq=$(python3 -c "import random; print(\"%064x\" % random.getrandbits(256))")
curl -sf "${auth[@]}" -H "Content-Type: application/json" -d "{\"entries\":[{\"pdq\":\"$pdq\"}]}" "$lb/v1/banks/LB_BANK/entries" >/dev/null \
  || fail "add an entry through nginx"
for port in 18081 18082; do
  for _ in $(seq 1 50); do
    curl -sf "${auth[@]}" "http://127.0.0.1:$port/m/lookup?signal_type=pdq&signal=$pdq" | grep -q LB_BANK && break
    sleep 0.02
  done
  curl -sf "${auth[@]}" "http://127.0.0.1:$port/m/lookup?signal_type=pdq&signal=$pdq" | grep -q LB_BANK || fail "replica on $port does not match within 1 s"
  echo "PASS: the replica on port $port matches the hash written through nginx"
done
for _ in 1 2 3 4; do
  curl -sf "${auth[@]}" "$lb/m/lookup?signal_type=pdq&signal=$pdq" | grep -q LB_BANK || fail "a lookup through nginx"
done
echo "PASS: lookups through nginx match, whichever replica answers"
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
for _ in 1 2 3 4; do
  curl -sf "${auth[@]}" "$lb/m/lookup?signal_type=pdq&signal=$pdq" | grep -q LB_BANK || fail "a lookup through nginx with one replica down"
done
echo "PASS: with replica a stopped, nginx still answers from replica b"
' bash "$vigil"
