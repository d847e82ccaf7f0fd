#!/usr/bin/env bash
# A large bank deleted while a replica serves (issue 33): for each binary, on a fresh copy of one
# SQLite database (bank BENCH_PDQ of N generated PDQ hashes, and bank OTHER_PDQ of the first M of
# them, which stays), a `vigil serve` replica loads the index; then `vigil bank delete` (another
# process, as an operator runs it) deletes one bank. Reports how long the deletion took, how long
# until the replica's index had let go of the bank (its readiness answer's PDQ count down to what
# the other banks hold) and until it had applied the whole log the deletion wrote, and the
# replica's resident memory after.
# Usage: Benchmarks/bank-delete.sh N VIGIL...   (SMOKE=1: N 2000)
#   OTHER=M      the bank that stays (default N/5); BANK=OTHER_PDQ deletes that one instead.
#   The database is made once, by the first binary (name the oldest first: an older binary cannot
#   open a newer one's schema), in Benchmarks/data/bank-delete-N-M/; DATABASE=path/vigil.sqlite
#   uses that one instead (copied, never changed; it must hold BANK).
#   TIMEOUT=s    how long the replica may take to let go (default 1800).
#   SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
(($# >= 2)) || { echo "usage: Benchmarks/bank-delete.sh N VIGIL..." >&2; exit 2; }
n=$1; shift
# Paths from the caller's directory, before common.sh moves to Benchmarks/.
binaries=(); for binary in "$@"; do binaries+=("$(realpath "$binary")"); done
set -- "${binaries[@]}"
[[ -n ${DATABASE:-} ]] && database=$(realpath "$DATABASE")
source "$(dirname "$0")/lib/common.sh"
other=${OTHER:-$((n / 5))}
bank=${BANK:-BENCH_PDQ}
export TIMEOUT=${TIMEOUT:-1800}
if [[ -z ${DATABASE:-} ]]; then
  made=$data_root/bank-delete-$n-$other
  database=$made/vigil.sqlite
  if [[ ! -f $database ]]; then
    hashes=$data_root/index-$n/hashes.csv
    mkdir -p "$data_root/index-$n"
    [[ -f $hashes ]] || python3 serve/generate.py "$n" "$hashes"
    rm -rf "$made"; mkdir -p "$made"
    "$1" bank create BENCH_PDQ --data-dir "$made" > /dev/null
    "$1" bank import BENCH_PDQ "$hashes" --data-dir "$made" > /dev/null
    if ((other > 0)); then
      head -n $((other + 1)) "$hashes" > "$made/other.csv"  # the header and the first M
      "$1" bank create OTHER_PDQ --data-dir "$made" > /dev/null
      "$1" bank import OTHER_PDQ "$made/other.csv" --data-dir "$made" > /dev/null
      rm "$made/other.csv"
    fi
  fi
fi
work=$data_root/bank-delete
echo "== machine"; lscpu | grep -E "Model name|^CPU\(s\)"
for binary in "$@"; do
  rm -rf "$work"; mkdir -p "$work"
  cp "$database" "$work/vigil.sqlite"
  # What the other banks hold: the replica's PDQ count once it has let go of BANK.
  read -r gone left < <(python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
ids = "SELECT id FROM banks WHERE lower(name) = lower(?)"
print(c.execute(f"SELECT count(*) FROM bank_entries WHERE pdq IS NOT NULL AND bank_id IN ({ids})", (sys.argv[2],)).fetchone()[0],
      c.execute(f"SELECT count(*) FROM bank_entries WHERE pdq IS NOT NULL AND bank_id NOT IN ({ids})", (sys.argv[2],)).fetchone()[0])' \
    "$work/vigil.sqlite" "$bank")
  "$binary" serve --data-dir "$work" --port 18111 --no-demo-bank --log-level warning > "$work/serve.log" 2>&1 & pid=$!
  trap 'kill $pid 2> /dev/null || true' EXIT
  wait_ready 18111 $pid
  start=$(date +%s.%N)
  "$binary" bank delete "$bank" --data-dir "$work" --force > /dev/null & deleter=$!
  # The replica's readiness answer every 0.1 s: WHAT=pdq until its PDQ count is what the other
  # banks hold; WHAT=log until it has applied every change up to LAST.
  poll() {  # WHAT TARGET
    python3 - "$1" "$2" "$start" <<'PY'
import json, os, sys, time, urllib.request
what, target, start = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
deadline = time.time() + int(os.environ["TIMEOUT"])
while time.time() < deadline:
    try:
        with urllib.request.urlopen("http://127.0.0.1:18111/status/ready", timeout=5) as answer:
            ready = json.load(answer)
        if (ready["index"]["pdq"] == target) if what == "pdq" else (ready["change_log"]["applied_sequence"] >= target):
            print(f"{time.time() - start:.1f}")
            sys.exit(0)
    except (OSError, ValueError, KeyError):
        pass  # not answering this moment: asked again
    time.sleep(0.1)
sys.exit(f"the replica did not get there ({what} {target}) within {os.environ['TIMEOUT']} s")
PY
  }
  poll pdq "$left" > "$work/follow.txt" & follower=$!
  wait $deleter
  deleted=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
  wait $follower
  last=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT max(seq) FROM bank_changes").fetchone()[0])' "$work/vigil.sqlite")
  caught=$(poll log "$last")
  peak=$(awk '/VmHWM/ {print int($2 / 1024)}' /proc/$pid/status)
  resident=$(awk '/VmRSS/ {print int($2 / 1024)}' /proc/$pid/status)
  echo "$binary: $bank ($gone of $((gone + left)) PDQ hashes) deleted in ${deleted} s; the replica's index let go of it $(cat "$work/follow.txt") s after the deletion began, and it had applied the deletion's whole log at ${caught} s; replica resident ${resident} MB after (peak ${peak} MB)"
  kill $pid; wait $pid 2> /dev/null || true
  trap - EXIT
  rm -rf "$work"
done
