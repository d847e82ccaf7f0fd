#!/usr/bin/env bash
# The 10M-hash index benchmark: Vigil's index and faiss on the same data, then import and load
# through SQLite and PostgreSQL. Usage: Benchmarks/index.sh [N]   (default 10000000; SMOKE=1: 2000)
# SMOKE=1 builds IndexBench against the debug build (Benchmarks/lib/debug-program.sh) instead of
# the package's release build. SMOKE=, BENCH_DATA=: Benchmarks/lib/common.sh
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
n=${1:-$(sized 2000 10000000)}
data=$data_root/index-$n
../scripts/install-deps.sh --test
python_with faiss:faiss-cpu numpy:numpy
if smoke; then
  bin=$(realpath -m "$data_root/bin/IndexBench")
  status=0; lib/debug-program.sh IndexBench "$bin" || status=$?
  ((status != 2)) || skip_all "IndexBench: no debug build to build it against (swift build first)"
  ((status == 0)) || exit "$status"
else
  swift build -c release --product IndexBench
  bin=$(swift build -c release --show-bin-path)/IndexBench
fi
[[ -f $data/hashes.bin ]] || "$bin" generate "$n" "$data"
echo "== machine"; lscpu | grep -E "Model name|^CPU\(s\)"
echo "== Vigil index"
"$bin" query "$data"
echo "== faiss"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" reference/faiss_bench.py "$data"
echo "== storage: SQLite"
rm -f "$data/vigil.sqlite"*
"$bin" storage "$data" "sqlite:$data/vigil.sqlite"
echo "== storage: PostgreSQL"
../scripts/with-postgres.sh bash -c "\"$bin\" storage \"$data\" \"\$VIGIL_TEST_DATABASE_URL\""
