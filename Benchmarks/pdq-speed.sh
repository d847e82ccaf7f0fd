#!/usr/bin/env bash
# PDQ from decoded pixels, for before/after pairs of a change to Sources/PDQ: each git revision's
# Sources/Basics and Sources/PDQ built with swiftc -O -wmo -target-cpu haswell (as the package's
# release build compiles them: whole module, x86-64-v3), then the revisions hash the same decoded
# photograph alternately, ROUNDS times; last, ExactDivisor is checked against IEEE division over
# every float in [1, 2) and every odd divisor it is used for (the working tree's; ~15 s).
# Usage: Benchmarks/pdq-speed.sh ROUNDS REV...   (REV "worktree": the working tree's sources)
#   IMAGE=file (default: the 1600×1004 reference photograph), ITERATIONS=… per round (default 300;
#   SMOKE=1: 5, with the 256×256 reference PPM and the divisor check up to 31).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source lib/index-program.sh
rounds=$1; shift
work=$(mktemp -d /tmp/vigil-pdq-speed.XXXXXX)
trap 'rm -rf "$work"' EXIT
if smoke; then
  ppm=$reference/raw/q1050.ppm
else
  command -v convert > /dev/null || { echo "pdq-speed.sh: ImageMagick's convert decodes the photograph (scripts/install-deps.sh installs it)" >&2; exit 1; }
  convert "${IMAGE:-$bridge}" "$work/image.ppm"
  ppm=$work/image.ppm
fi
iterations=${ITERATIONS:-$(sized 5 300)}
for rev in "$@"; do build_index_program "$rev" "$work/$rev" "$PWD/pdq-speed/bench/main.swift" -- -wmo -target-cpu haswell; done
for _ in $(seq "$rounds"); do
  for rev in "$@"; do "$work/$rev/bench" "$rev" "$ppm" "$iterations"; done
done
swiftc -O -wmo -target-cpu haswell -module-name DivisorCheck ../Sources/PDQ/ExactDivisor.swift pdq-speed/divisor-check/main.swift \
  -o "$work/divisor-check" 2>&1 | { grep -v warning || true; }
"$work/divisor-check" "$(sized 31 1025)"
