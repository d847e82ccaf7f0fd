#!/usr/bin/env bash
# What the databases themselves take to store an import, without Vigil: the floor under
# Benchmarks/import.sh on this machine. The same N hashes in the same sorted batches of 1M, into the
# schema `vigil bank create` makes: SQLite driven by Python's sqlite3 with one prepared statement
# (as the schema is, without its (bank_id, pdq) index, and a minimal (bank_id, pdq) table), and
# PostgreSQL by `psql \copy` straight into bank_entries (give it a throw-away database).
# Usage: Benchmarks/import-floors.sh [N] [POSTGRES_URL]   (default N 10000000; SMOKE=1: 2000; VIGIL= as in import.sh)
#   SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
n=${1:-$(sized 2000 10000000)}
url=${2:-}
vigil=${VIGIL:-../.build-release/release/vigil}
[[ -x $vigil ]] || use_vigil
csv=$data_root/index-$n/hashes.csv
[[ -f $csv ]] || { mkdir -p "$data_root/index-$n"; python3 serve/generate.py "$n" "$csv"; }
work=$(mktemp -d /tmp/vigil-import-floors.XXXXXX)
trap 'rm -rf "$work"' EXIT
for mode in schema no-pdq-index minimal; do
  mkdir "$work/$mode"
  "$vigil" bank create BENCH_PDQ --data-dir "$work/$mode" > /dev/null
  python3 import-floors/floors.py sqlite "$work/$mode/vigil.sqlite" "$csv" "$n" "$mode"
  rm -rf "$work/$mode"
done
if [[ -n $url ]]; then
  python3 import-floors/floors.py copy-files "$work" "$csv" "$n"
  psql "$url" -q -c "DROP SCHEMA public CASCADE" -c "CREATE SCHEMA public" 2> /dev/null
  "$vigil" bank create BENCH_PDQ --database-url "$url" > /dev/null
  start=$(date +%s.%N)
  for batch in "$work"/batch*.tsv; do
    psql "$url" -q -c "\\copy bank_entries (bank_id, pdq, metadata, added_by, added_at) FROM '$batch'"
  done
  echo "PostgreSQL floor (psql \\copy): $n rows, $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s"
else
  skipped "PostgreSQL floor: no POSTGRES_URL given"
fi
