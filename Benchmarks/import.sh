#!/usr/bin/env bash
# `vigil bank import` of N generated PDQ hashes from CSV into a new bank, on SQLite (a fresh data
# directory) and, when a URL is given, on that PostgreSQL database (emptied first: give it a
# throw-away database). Prints wall time and peak memory of each import.
# Usage: Benchmarks/import.sh [N] [POSTGRES_URL]   (default N 10000000; SMOKE=1: 2000)
#   VIGIL=path/to/vigil measures another build (say, the one before a change) on the same data.
#   VIGIL_IMPORT_BACKENDS=postgres skips SQLite.
#   SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
n=${1:-$(sized 2000 10000000)}
url=${2:-}
vigil=${VIGIL:-../.build-release/release/vigil}
[[ -x $vigil ]] || use_vigil
backends=${VIGIL_IMPORT_BACKENDS:-sqlite postgres}
data=$data_root/index-$n
mkdir -p "$data"
[[ -f $data/hashes.csv ]] || python3 serve/generate.py "$n" "$data/hashes.csv"
work=$(mktemp -d /tmp/vigil-import.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [[ $backends == *sqlite* ]]; then
  "$vigil" bank create BENCH_PDQ --data-dir "$work" > /dev/null
  /usr/bin/time -f "SQLite: import of $n hashes: %e s, CPU %U s user + %S s sys, peak %M KB" "$vigil" bank import BENCH_PDQ "$data/hashes.csv" --data-dir "$work"
fi
if [[ -n $url && $backends == *postgres* ]]; then
  # Every table of whichever schema version was there before: the database is the benchmark's own.
  psql "$url" -q -c "DROP SCHEMA public CASCADE" -c "CREATE SCHEMA public" > /dev/null
  "$vigil" bank create BENCH_PDQ --database-url "$url" > /dev/null
  /usr/bin/time -f "PostgreSQL: import of $n hashes: %e s, CPU %U s user + %S s sys, peak %M KB" "$vigil" bank import BENCH_PDQ "$data/hashes.csv" --database-url "$url"
elif [[ $backends == *postgres* ]]; then
  skipped "PostgreSQL: no POSTGRES_URL given"
fi
