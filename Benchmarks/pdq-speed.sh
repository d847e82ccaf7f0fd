#!/usr/bin/env bash
# PDQ from decoded pixels, for before/after pairs of a change to Sources/PDQ: each git revision's
# Sources/Basics and Sources/PDQ built with swiftc -O -wmo for the package's target CPU and with its
# defines (as the release build compiles them), then the revisions hash the same decoded photograph
# alternately, ROUNDS times. Every hash must be the reference's (expected.tsv, full resolution),
# or the script fails. Last, ExactDivisor's correction is checked against IEEE division over every
# float in [1, 2) and every odd divisor up to its limit (the working tree's; ~15 s).
# Usage: Benchmarks/pdq-speed.sh ROUNDS REV...   (REV "worktree": the working tree's sources)
#   IMAGE=a file of ../shared/data/pdq-reference (default: the 1600×1004 photograph), ITERATIONS=…
#   hashes a round (default 300). SMOKE=1: 5 hashes of the 256×256 reference PPM, the check to 31.
set -euo pipefail
[[ -n ${IMAGE:-} ]] && IMAGE=$(realpath "$IMAGE")
source "$(dirname "$0")/lib/common.sh"
source lib/index-program.sh
(($# >= 2)) || { echo "usage: Benchmarks/pdq-speed.sh ROUNDS REV..." >&2; exit 2; }
rounds=$1; shift
work=$(mktemp -d /tmp/vigil-pdq-speed.XXXXXX)
trap 'rm -rf "$work"' EXIT
image=${IMAGE:-$(realpath "$bridge")}
smoke && image=$(realpath "$reference/raw/q1050.ppm")
expected=$(awk -F'\t' -v file="${image#"$(realpath "$reference")/"}" '$1 == file { print $7 }' "$reference/expected.tsv")
[[ -n $expected ]] || { echo "pdq-speed.sh: $image is not in $reference/expected.tsv" >&2; exit 1; }
if [[ $image == *.ppm ]]; then
  ppm=$image
else
  command -v convert > /dev/null || { echo "pdq-speed.sh: ImageMagick's convert decodes the photograph (scripts/install-deps.sh installs it)" >&2; exit 1; }
  convert "$image" "$work/image.ppm"   # the same RGB as Pillow (expected.tsv's rgb_sha256)
  ppm=$work/image.ppm
fi
# The package's flags for its hot paths (Package.swift): the target CPU and what it has.
flags=(-wmo)
if [[ $(uname -m) == x86_64 ]]; then
  cpu=${VIGIL_TARGET_CPU:-haswell}
  flags+=(-target-cpu "$cpu")
  case $cpu in
    haswell|broadwell|skylake|skylake-avx512|cascadelake|cooperlake|cannonlake|icelake-client|icelake-server|tigerlake|rocketlake|\
    alderlake|raptorlake|meteorlake|sapphirerapids|emeraldrapids|graniterapids|x86-64-v3|x86-64-v4|znver[1-5])
      flags+=(-D VIGIL_AVX2 -D VIGIL_FMA) ;;
  esac
else
  flags+=(-D VIGIL_FMA)
fi
iterations=${ITERATIONS:-$(sized 5 300)}
for rev in "$@"; do build_index_program "$rev" "$work/$rev" "$PWD/pdq-speed/bench/main.swift" -- "${flags[@]}"; done
for _ in $(seq "$rounds"); do
  for rev in "$@"; do
    line=$("$work/$rev/bench" "$rev" "$ppm" "$iterations")
    echo "$line"
    [[ $line == *"pdq $expected "* ]] || { echo "pdq-speed.sh: $rev's hash is not the reference's ($expected)" >&2; exit 1; }
  done
done
swiftc -O "${flags[@]}" -module-name DivisorCheck ../Sources/PDQ/ExactDivisor.swift pdq-speed/divisor-check/main.swift \
  -o "$work/divisor-check" 2>&1 | { grep -v warning || true; }
if smoke; then "$work/divisor-check" 31; else "$work/divisor-check"; fi
