#!/usr/bin/env bash
# The retroactive check at scale (issue 31 §1): N screened signals in a SQLite file, then a batch of
# B new entries checked against every one of them as the server checks them (RetroBench check), with
# the read floor (every screened PDQ read, nothing else done) timed beside it.
#   Benchmarks/retro.sh [N…]   (default 10000000; SMOKE=1: 2000)   B=… entries a batch (10000; SMOKE: 200)
# The screened signals are made once per N (RetroBench fill, SQLite's own random blobs) and kept in
# BENCH_DATA/retro-N. SMOKE=1 builds RetroBench against the debug build (lib/debug-program.sh).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
if (($# == 0)); then sizes=("$(sized 2000 10000000)"); else sizes=("$@"); fi
batch=${B:-$(sized 200 10000)}
if smoke; then
  bin=$(realpath -m "$data_root/bin/RetroBench")
  status=0; lib/debug-program.sh RetroBench "$bin" || status=$?
  ((status != 2)) || skip_all "RetroBench: no debug build to build it against (swift build first)"
  ((status == 0)) || exit "$status"
else
  swift build -c release --product RetroBench
  bin=$(swift build -c release --show-bin-path)/RetroBench
fi
echo "== machine"; lscpu | grep -E "Model name|^CPU\(s\)"
for n in "${sizes[@]}"; do
  db=$(realpath -m "$data_root/retro-$n/vigil.sqlite")
  if [[ ! -f $db ]]; then mkdir -p "$(dirname "$db")"; "$bin" fill "$db" "$n"; fi
  echo "== $n screened signals, a batch of $batch new entries"
  "$bin" check "$db" "$batch"
done
