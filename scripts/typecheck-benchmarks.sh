#!/usr/bin/env bash
# The Benchmarks package's own programs (IndexBench, RetroBench, FastDecodeStudy, BenchmarkInputs) type-checked
# against the modules of the debug build, so a change to Vigil's API that breaks them fails CI at
# once. Building the package itself would compile Vigil and every dependency a second time (its
# own package graph, 970 compile steps, about as long as the whole debug build); this takes
# seconds. PDQBenchmarks needs ordo-one's harness, which only the package build brings.
#   scripts/typecheck-benchmarks.sh   (after swift build --build-tests)
set -euo pipefail
cd "$(dirname "$0")/.."
swiftc=${SWIFTC:-swiftc}
triple_dir=$(readlink -f .build/debug)
modules=.build/debug/Modules
[[ -d $modules ]] || { echo "no $modules: run swift build --build-tests first" >&2; exit 1; }
flags=(-typecheck -swift-version 6 -I "$modules")
while IFS= read -r map; do flags+=(-Xcc "-fmodule-map-file=$map"); done < <(
    find Sources .build/checkouts -name module.modulemap; find "$triple_dir" -maxdepth 2 -name module.modulemap)
while IFS= read -r dir; do flags+=(-Xcc "-I$dir"); done < <(find Sources .build/checkouts -type d -name include -path '*Sources/*')
for dir in $(pkg-config --cflags-only-I libxml-2.0 | sed 's/-I//g'); do flags+=(-Xcc "-I$dir"); done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# BenchmarkInputs is a library of the Benchmarks package: its module is made here for the others.
flags_no_check=("${flags[@]:1}")
"$swiftc" -emit-module "${flags_no_check[@]}" -module-name BenchmarkInputs -parse-as-library \
    -emit-module-path "$scratch/BenchmarkInputs.swiftmodule" Benchmarks/Sources/BenchmarkInputs/*.swift
for program in IndexBench RetroBench FastDecodeStudy; do
    "$swiftc" "${flags[@]}" -I "$scratch" -module-name "$program" Benchmarks/Sources/$program/*.swift
done
echo "the Benchmarks programs type-check against this build"
