#!/usr/bin/env bash
# Runs Vigil's PDQ benchmarks (release) and Meta's pdqhash on the same photos, in one run.
# Usage: Benchmarks/run.sh   (from anywhere; installs what it needs)
# SMOKE=1: no wallpapers (reference photos only), pdqhash timed briefly, the PDQBenchmarks suite
# skipped (it needs the package's release build) and FastDecodeStudy built against the debug build
# (Benchmarks/lib/debug-program.sh). SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
../scripts/install-deps.sh
if smoke; then
  skipped "the wallpaper photographs (plasma-workspace-wallpapers, 94 MB): the reference photos alone"
else
  dpkg-query -W -f='${Status}' plasma-workspace-wallpapers 2>/dev/null | grep -q "install ok installed" || {
    apt-get install -y -q --no-install-recommends plasma-workspace-wallpapers
  }
fi
python_with pdqhash:pdqhash PIL:pillow numpy:numpy

echo "== machine"; lscpu | grep -E "Model name|^CPU\(s\)"; echo
echo "== Vigil (swift package benchmark, release)"
if smoke; then
  skipped "PDQBenchmarks: swift package benchmark needs the Benchmarks package's release build (ordo-one's harness is in no other build)"
else
  swift package --disable-sandbox benchmark --target PDQBenchmarks --format markdown --no-progress
fi
echo "== Meta pdqhash $("$py" -c 'import importlib.metadata as m; print(m.version("pdqhash"))'), Pillow $("$py" -c 'import PIL; print(PIL.__version__)')"
# OPENBLAS_* slow numpy here and do not touch pdqhash; unset them for this command only.
PDQHASH_BUDGET_S=$(sized 0.2 3) env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" reference/pdqhash_bench.py
echo "== DCT-scaled JPEG decoding (--fast-decode study)"
if smoke; then
  study=$(realpath -m "$data_root/bin/FastDecodeStudy")
  status=0; lib/debug-program.sh FastDecodeStudy "$study" || status=$?
  if ((status == 2)); then
    skipped "FastDecodeStudy: no debug build to build it against (swift build first)"
  else
    ((status == 0)) || exit "$status"
    "$study"
  fi
else
  swift run -c release FastDecodeStudy
fi
