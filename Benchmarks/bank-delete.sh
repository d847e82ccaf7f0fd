#!/usr/bin/env bash
# A large bank deleted while a replica serves (issue 33): for each binary, on a fresh copy of one
# SQLite database (bank BENCH_PDQ, N generated PDQ hashes), a `vigil serve` replica loads the
# index; then `vigil bank delete` (another process, as an operator runs it) deletes the bank.
# Reports how long the deletion took, how long until the replica's index had let go of the bank
# (its readiness answer's PDQ count down to what other banks hold) and until it had applied the
# whole log the deletion wrote, and the replica's resident memory after.
# Usage: Benchmarks/bank-delete.sh N VIGIL...   (SMOKE=1: N 2000)
#   The database is made once, by the first binary (name the oldest first: an older binary cannot
#   open a newer one's schema), in Benchmarks/data/bank-delete-N/; DATABASE=path/vigil.sqlite uses
#   that one instead (copied, never changed; it must hold BENCH_PDQ).
#   SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
(($# >= 2)) || { echo "usage: Benchmarks/bank-delete.sh N VIGIL..." >&2; exit 2; }
n=$1; shift
# Paths from the caller's directory, before common.sh moves to Benchmarks/.
binaries=(); for binary in "$@"; do binaries+=("$(realpath "$binary")"); done
set -- "${binaries[@]}"
[[ -n ${DATABASE:-} ]] && database=$(realpath "$DATABASE")
source "$(dirname "$0")/lib/common.sh"
bank=BENCH_PDQ
if [[ -z ${DATABASE:-} ]]; then
  made=$data_root/bank-delete-$n
  database=$made/vigil.sqlite
  if [[ ! -f $database ]]; then
    mkdir -p "$data_root/index-$n"
    [[ -f $data_root/index-$n/hashes.csv ]] || python3 serve/generate.py "$n" "$data_root/index-$n/hashes.csv"
    rm -rf "$made"; mkdir -p "$made"
    "$1" bank create "$bank" --data-dir "$made" > /dev/null
    "$1" bank import "$bank" "$data_root/index-$n/hashes.csv" --data-dir "$made" > /dev/null
  fi
fi
work=$data_root/bank-delete
echo "== machine"; lscpu | grep -E "Model name|^CPU\(s\)"
for binary in "$@"; do
  rm -rf "$work"; mkdir -p "$work"
  cp "$database" "$work/vigil.sqlite"
  # What the other banks hold: the replica's PDQ count once it has let go of BANK.
  left=$(python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("SELECT count(*) FROM bank_entries WHERE pdq IS NOT NULL AND bank_id NOT IN (SELECT id FROM banks WHERE lower(name) = lower(?))", (sys.argv[2],)).fetchone()[0])' \
    "$work/vigil.sqlite" "$bank")
  "$binary" serve --data-dir "$work" --port 18111 --no-demo-bank --log-level warning > "$work/serve.log" 2>&1 & pid=$!
  trap 'kill $pid 2> /dev/null || true' EXIT
  wait_ready 18111 $pid
  start=$(date +%s.%N)
  "$binary" bank delete "$bank" --data-dir "$work" --force > /dev/null & deleter=$!
  # The replica's readiness answer every 0.1 s until its PDQ count is what the other banks hold.
  python3 - "$left" "$start" > "$work/follow.txt" <<'PY' & follower=$!
import json, sys, time, urllib.request
left, start = int(sys.argv[1]), float(sys.argv[2])
while True:
    try:
        with urllib.request.urlopen("http://127.0.0.1:18111/status/ready", timeout=5) as answer:
            pdq = json.load(answer)["index"]["pdq"]
    except Exception:
        pdq = None
    if pdq == left:
        print(f"{time.time() - start:.1f}")
        break
    time.sleep(0.1)
PY
  wait $deleter
  deleted=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
  wait $follower
  # Then until the replica has applied the whole log the deletion wrote (a removal an entry).
  caught=$(python3 - "$work/vigil.sqlite" "$start" <<'PY'
import json, sqlite3, sys, time, urllib.request
last = sqlite3.connect(sys.argv[1]).execute("SELECT max(seq) FROM bank_changes").fetchone()[0]
while True:
    with urllib.request.urlopen("http://127.0.0.1:18111/status/ready", timeout=5) as answer:
        if json.load(answer)["change_log"]["applied_sequence"] >= last:
            print(f"{time.time() - float(sys.argv[2]):.1f}")
            break
    time.sleep(0.1)
PY
)
  peak=$(awk '/VmHWM/ {print int($2 / 1024)}' /proc/$pid/status)
  resident=$(awk '/VmRSS/ {print int($2 / 1024)}' /proc/$pid/status)
  echo "$binary: bank delete ${deleted} s; the replica's index let go of the bank $(cat "$work/follow.txt") s after the deletion began, and it had applied the deletion's whole log at ${caught} s; replica resident ${resident} MB after (peak ${peak} MB, the load's)"
  kill $pid; wait $pid 2> /dev/null || true
  trap - EXIT
  rm -rf "$work"
done
