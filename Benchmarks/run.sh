#!/usr/bin/env bash
# Runs Vigil's PDQ benchmarks (release) and Meta's pdqhash on the same photos, in one run.
# Usage: Benchmarks/run.sh   (from anywhere; installs what it needs)
set -euo pipefail
cd "$(dirname "$0")"
../scripts/install-deps.sh
dpkg-query -W -f='${Status}' plasma-workspace-wallpapers 2>/dev/null | grep -q "install ok installed" || {
  apt-get install -y -q --no-install-recommends plasma-workspace-wallpapers
}
python3 -c "import pdqhash, PIL, numpy" 2>/dev/null || pip install -q pdqhash pillow numpy

echo "== machine"; lscpu | grep -E "Model name|^CPU\(s\)"; echo
echo "== Vigil (swift package benchmark, release)"
swift package --disable-sandbox benchmark --target PDQBenchmarks --format markdown --no-progress
echo "== Meta pdqhash $(python3 -c 'import importlib.metadata as m; print(m.version("pdqhash"))'), Pillow $(python3 -c 'import PIL; print(PIL.__version__)')"
# OPENBLAS_* slow numpy here and do not touch pdqhash; unset them for this command only.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 reference/pdqhash_bench.py
echo "== DCT-scaled JPEG decoding (--fast-decode study)"
swift run -c release FastDecodeStudy
