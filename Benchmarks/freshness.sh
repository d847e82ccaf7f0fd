#!/usr/bin/env bash
# Cross-process freshness (issue 8): two `vigil serve` replicas on one database, writes through one
# replica and through the CLI; how long until every replica matches the new hash (p50/p99).
# Runs on SQLite (one file, two processes) and on PostgreSQL (a throw-away cluster).
# Usage: Benchmarks/freshness.sh [SAMPLES]   (default 100; SMOKE=1: 5)
#   VIGIL=, SMOKE=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
samples=${1:-$(sized 5 100)}
../scripts/install-deps.sh --test
use_vigil
export VIGIL_DATABASE_URL=

run() {  # run BACKEND STORAGE-ARGS...
  local backend=$1; shift
  # In the data directory (never /tmp): what a failed run leaves is found and cleaned with the rest.
  local work=$data_root/fresh-$backend
  rm -rf "$work"; mkdir -p "$work"
  local key; key=$("$vigil" keys create --role admin --data-dir "$work" "$@")
  "$vigil" serve --data-dir "$work" --port 18101 --no-demo-bank --log-level warning "$@" > /dev/null 2>&1 & local a=$!
  "$vigil" serve --data-dir "$work" --port 18102 --no-demo-bank --log-level warning "$@" > /dev/null 2>&1 & local b=$!
  # EXIT, not RETURN: set -e leaving run() on a failure must stop the replicas too.
  trap "kill $a $b 2>/dev/null || true" EXIT
  wait_ready 18101 $a
  wait_ready 18102 $b
  echo "== $backend: written through replica A (HTTP), matched on A and B"
  python3 serve/freshness.py "$key" http://127.0.0.1:18101 http://127.0.0.1:18101 http://127.0.0.1:18102 --samples "$samples"
  echo "== $backend: written by the CLI (vigil bank import, a separate process), matched on A and B"
  python3 serve/freshness.py "$key" http://127.0.0.1:18101 http://127.0.0.1:18101 http://127.0.0.1:18102 --samples "$samples" \
    --cli "$vigil" --data-dir "$work" "$@"
  kill $a $b; wait $a $b 2>/dev/null || true
  trap - EXIT
  rm -rf "$work"
}

run sqlite
# PostgreSQL: a throw-away cluster from the test helper; the URL it exports is the database to use.
../scripts/with-postgres.sh bash -c "set -euo pipefail; $(declare -f run wait_ready); vigil=$vigil; samples=$samples; data_root=$data_root; run postgres --database-url \"\$VIGIL_TEST_DATABASE_URL\""
