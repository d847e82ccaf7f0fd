#!/usr/bin/env bash
# The 10M-hash index benchmark: Vigil's index and faiss on the same data, then import and load
# through SQLite and PostgreSQL. Usage: Benchmarks/index.sh [N]   (default 10000000)
set -euo pipefail
cd "$(dirname "$0")"
n=${1:-10000000}
data=data/index-$n
../scripts/install-deps.sh --test
python3 -c "import faiss, numpy" 2>/dev/null || pip install -q faiss-cpu numpy
swift build -c release --product IndexBench
bin=$(swift build -c release --show-bin-path)/IndexBench
[[ -f $data/hashes.bin ]] || "$bin" generate "$n" "$data"
echo "== machine"; lscpu | grep -E "Model name|^CPU\(s\)"
echo "== Vigil index"
"$bin" query "$data"
echo "== faiss"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 reference/faiss_bench.py "$data"
echo "== storage: SQLite"
rm -f "$data/vigil.sqlite"*
"$bin" storage "$data" "sqlite:$data/vigil.sqlite"
echo "== storage: PostgreSQL"
../scripts/with-postgres.sh bash -c "\"$bin\" storage \"$data\" \"\$VIGIL_TEST_DATABASE_URL\""
