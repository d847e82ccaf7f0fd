#!/usr/bin/env bash
# The index query alone, for before/after pairs of a change to HammingIndex: each git revision's
# Sources/PDQ and Sources/HammingIndex built with swiftc -O (a minute, not a release build of the
# package), then the revisions' queries run alternately, ROUNDS times.
# Usage: Benchmarks/index-query.sh ROUNDS REV...   (data: data/index-1000000/hashes.csv, made by import.sh 1000000)
set -euo pipefail
cd "$(dirname "$0")"
rounds=$1; shift
csv=$PWD/data/index-1000000/hashes.csv
[[ -f $csv ]] || python3 serve/generate.py 1000000 "$csv"
work=$(mktemp -d /tmp/vigil-index-query.XXXXXX)
trap 'rm -rf "$work"' EXIT
for rev in "$@"; do
  dir=$work/$rev
  mkdir -p "$dir/src"
  git -C .. archive "$rev" Sources/PDQ Sources/HammingIndex | tar -x -C "$dir/src"
  (cd "$dir" && swiftc -O -parse-as-library -emit-module -emit-library -static -module-name PDQ src/Sources/PDQ/*.swift -o libPDQ.a \
    && swiftc -O -parse-as-library -emit-module -emit-library -static -module-name HammingIndex -I . src/Sources/HammingIndex/*.swift -o libHammingIndex.a \
    && swiftc -O -I . "$OLDPWD/index-query/main.swift" -L . -lHammingIndex -lPDQ -o bench) 2>&1 | grep -v "warning" || true
done
for _ in $(seq "$rounds"); do
  for rev in "$@"; do "$work/$rev/bench" "$rev" "$csv"; done
done
