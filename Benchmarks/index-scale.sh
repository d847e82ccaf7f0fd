#!/usr/bin/env bash
# The index at 1M, 10M and 100M hashes, and faiss's IndexBinaryMultiHash as HMA configures it on
# the same hashes at the sizes up to FAISS_MAX (default 10M): each git revision's Sources/Basics,
# Sources/PDQ and Sources/HammingIndex built with swiftc -O (a minute, not a release build), the
# data generated in memory (index-scale/main.swift says how).
# Usage: Benchmarks/index-scale.sh "N..." REV...   (e.g. Benchmarks/index-scale.sh "1000000 10000000" HEAD;
#   the revision "worktree" is the working tree's sources)
#   EXACTNESS=1 also checks 200 queries against brute force at every radius 0...31, 1 and 8 needles.
#   REMOVE=k also times removing the first k pairs in batches of 2 000, as a bank deletion did;
#   with DROP=1 too, in one pass (`removeAll(where:)`, as a replica drops a bank being deleted:
#   revisions from that change on).
#   PASSES=… timed passes (default 3), SAMPLE=… queries checked at radius 31 (default 50),
#   FAISS_MAX=… largest size faiss runs at (default 10000000), KEEP=1 keeps the built programs.
#   The modules are built file by file with -O, as index-query.sh builds them, not with the whole-
#   module optimisation of the package's release build: compare revisions within one run.
#   SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source lib/index-program.sh
(($# >= 2)) || { echo "usage: Benchmarks/index-scale.sh \"N...\" REV..." >&2; exit 2; }
sizes=$1; shift
faiss_max=${FAISS_MAX:-10000000}
# The program, and the generator it shares with IndexBench (the same data from the same seed).
sources=("$PWD/index-scale/main.swift" "$PWD/Sources/BenchmarkInputs/BenchmarkHashes.swift")
# As Package.swift builds the hot paths (POPCNT, AVX2).
cpu=(); [[ $(uname -m) == x86_64 ]] && cpu=(-target-cpu "${VIGIL_TARGET_CPU:-haswell}")
[[ ${DROP:-} == 1 ]] && cpu+=(-D INDEX_DROP)
work=$(mktemp -d /tmp/vigil-index-scale.XXXXXX)
[[ -n ${KEEP:-} ]] && echo "kept: $work" || trap 'rm -rf "$work"' EXIT
for rev in "$@"; do build_index_program "$rev" "$work/$rev" "${sources[@]}" -- "${cpu[@]}"; done
echo "== machine"; lscpu | grep -E "Model name|^CPU\(s\)"; nproc
flags=(); [[ ${EXACTNESS:-} == 1 ]] && flags+=(--exactness)
for n in $sizes; do
  faiss_dir=
  if ((n <= faiss_max)); then faiss_dir=$data_root/index-scale-$n; fi
  first=1
  for rev in "$@"; do
    write=(); if [[ -n $faiss_dir && $first == 1 ]]; then write=(--write "$faiss_dir"); fi
    "$work/$rev/bench" "$rev" "$n" "${write[@]}" "${flags[@]}"
    first=0
  done
  if [[ -n $faiss_dir ]]; then
    python_with faiss:faiss-cpu numpy:numpy
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" reference/faiss_bench.py "$faiss_dir"
    rm -f "$faiss_dir"/*.bin
  fi
done
