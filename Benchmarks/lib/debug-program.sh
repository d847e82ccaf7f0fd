#!/usr/bin/env bash
# Builds one program of the Benchmarks package (IndexBench, FastDecodeStudy) against Vigil's debug
# build, without building the package: its sources compiled with swiftc against the debug build's
# modules, then linked with the debug build's objects as `vigil` is linked. Seconds, where the
# package's release build compiles Vigil and every dependency again; but everything in it is
# -Onone, so it is for smoke runs (SMOKE=1), never for figures.
#   Benchmarks/lib/debug-program.sh PROGRAM OUT
# The debug build: DEBUG_BUILD=dir, else the directory of $VIGIL when that is a debug build's
# binary, else .build/debug (after `swift build`).
set -euo pipefail
program=$1 out=$(realpath -m "$2")
cd "$(dirname "$0")/../.."
build=${DEBUG_BUILD:-}
if [[ -z $build && -n ${VIGIL:-} && -f $(dirname "$VIGIL")/vigil.product/Objects.LinkFileList ]]; then
  build=$(dirname "$VIGIL")
fi
build=$(readlink -f "${build:-.build/debug}")
objects=$build/vigil.product/Objects.LinkFileList
[[ -f $objects && -d $build/Modules ]] || { echo "no debug build at $build (swift build first)" >&2; exit 2; }
scratch=$(mktemp -d /tmp/vigil-debug-program.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# As scripts/typecheck-benchmarks.sh: the debug build's modules and the C modules' maps and headers.
flags=(-swift-version 6 -Onone -I "$build/Modules" -I "$scratch")
while IFS= read -r map; do flags+=(-Xcc "-fmodule-map-file=$map"); done < <(
  find Sources .build/checkouts -name module.modulemap 2> /dev/null; find "$build" -maxdepth 2 -name module.modulemap)
while IFS= read -r dir; do flags+=(-Xcc "-I$dir"); done < <(find Sources .build/checkouts -type d -name include -path '*Sources/*' 2> /dev/null)
for dir in $(pkg-config --cflags-only-I libxml-2.0 | sed 's/-I//g'); do flags+=(-Xcc "-I$dir"); done

# Absolute source paths: BenchmarkInputs finds the reference photos from its #filePath.
sources=$PWD/Benchmarks/Sources
mine=("$scratch/$program.o")
if grep -q '^import BenchmarkInputs' "$sources/$program"/*.swift; then
  swiftc "${flags[@]}" -module-name BenchmarkInputs -parse-as-library -wmo -emit-module \
    -emit-module-path "$scratch/BenchmarkInputs.swiftmodule" -c "$sources"/BenchmarkInputs/*.swift -o "$scratch/BenchmarkInputs.swift.o"
  mine+=("$scratch/BenchmarkInputs.swift.o")
fi
swiftc "${flags[@]}" -module-name "$program" -wmo -c "$sources/$program"/*.swift -o "$scratch/$program.o"

# The link command of `vigil` (from the build's manifest), with the program's objects in place of
# vigil's own module.
grep -v '/vigil\.build/' "$objects" > "$scratch/objects"
printf '%s\n' "${mine[@]}" >> "$scratch/objects"
manifest=$(dirname "$build")/../debug.yaml
[[ -f $manifest ]] || manifest=$(dirname "$build")/debug.yaml
mapfile -t link < <(python3 - "$manifest" "$objects" "$scratch/objects" "$out" "$program" << 'PY'
import json, sys
manifest, objects, ours, out, program = sys.argv[1:]
for line in open(manifest):
    line = line.strip()
    if line.startswith("args: [") and "@" + objects in line and "-emit-executable" in line:
        args = json.loads(line[len("args: "):])
        break
else:
    sys.exit(f"no link command for vigil in {manifest}")
result, i = [], 0
while i < len(args):
    a = args[i]
    if a == "-Xlinker" and i + 3 < len(args) and args[i + 1] == "--defsym":
        i += 4; continue                       # main=vigil_main: the program has its own main
    if a == "-o": result += ["-o", out]; i += 2; continue
    if a == "-module-name": result += [a, program]; i += 2; continue
    result.append("@" + ours if a == "@" + objects else a)
    i += 1
print("\n".join(result))
PY
)
mkdir -p "$(dirname "$out")"
"${link[@]}"
