#!/usr/bin/env bash
# The index query alone, for before/after pairs of a change to HammingIndex: each git revision's
# Sources/Basics (where a revision has it), Sources/PDQ and Sources/HammingIndex built with
# swiftc -O (a minute, not a release build of the package), then the revisions' queries run
# alternately, ROUNDS times.
# Usage: Benchmarks/index-query.sh ROUNDS REV...   (data: data/index-N/hashes.csv, made by import.sh N;
#   N=… picks it: default 1000000, SMOKE=1: 2000). SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source lib/index-program.sh
rounds=$1; shift
n=${N:-$(sized 2000 1000000)}
csv=$(realpath -m "$data_root/index-$n/hashes.csv")
[[ -f $csv ]] || { mkdir -p "$(dirname "$csv")"; python3 serve/generate.py "$n" "$csv"; }
main=$PWD/index-query/main.swift
work=$(mktemp -d /tmp/vigil-index-query.XXXXXX)
trap 'rm -rf "$work"' EXIT
for rev in "$@"; do build_index_program "$rev" "$work/$rev" "$main"; done
for _ in $(seq "$rounds"); do
  for rev in "$@"; do "$work/$rev/bench" "$rev" "$csv"; done
done
