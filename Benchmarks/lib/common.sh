# What every Benchmarks/*.sh shares; each sources it first:
#   source "$(dirname "$0")/lib/common.sh"
# It resolves the settings below from the caller's working directory, then moves to Benchmarks/.
#
#   VIGIL=path/to/vigil  the binary to measure; without it a script builds the release one
#                        (swift build -c release --scratch-path .build-release), as before.
#   SMOKE=1              a smoke run (Benchmarks/smoke.sh): tiny default sizes, 1-second load runs,
#                        and a plain "skipped: REASON" line for whatever cannot run here.
#   BENCH_DATA=DIR       where a script keeps and makes its data (default Benchmarks/data).

if [[ -n ${VIGIL:-} ]]; then
  [[ -x $VIGIL && ! -d $VIGIL ]] || { echo "VIGIL=$VIGIL is not an executable file" >&2; exit 1; }
  VIGIL=$(realpath "$VIGIL")
  export VIGIL
fi
if [[ -n ${BENCH_DATA:-} ]]; then
  data_root=$(realpath -m "$BENCH_DATA")
else
  data_root=data
fi
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p "$data_root"

# The PDQ reference photographs (../shared/data/pdq-reference, beside the repository).
reference=../../shared/data/pdq-reference
[[ -d $reference ]] || reference=../../../shared/data/pdq-reference
bridge=$reference/reg-test-input/dih/bridge-1-original.jpg

smoke() { [[ ${SMOKE:-} == 1 ]]; }

# sized SMOKE_VALUE FULL_VALUE: the first in a smoke run, the second otherwise.
sized() { if smoke; then echo "$1"; else echo "$2"; fi; }

# skipped REASON: the one way a script says it left something out.
skipped() { echo "skipped: $*"; }

# use_vigil: sets vigil to $VIGIL, or builds the release binary and sets vigil to it.
use_vigil() {
  if [[ -n ${VIGIL:-} ]]; then
    vigil=$VIGIL
  else
    (cd .. && swift build -c release --product vigil --scratch-path .build-release)
    vigil=$(cd .. && pwd)/.build-release/release/vigil
  fi
}

# need_wrk: installs wrk when it is missing.
need_wrk() {
  command -v wrk > /dev/null && return
  if [[ $(id -u) == 0 ]]; then apt-get install -y -q wrk; else sudo apt-get install -y -q wrk; fi
}

# cpu_ticks PID: the CPU the process has used (user + system, in clock ticks: getconf CLK_TCK a
# second), read before and after a load run to give the server's own CPU per request.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# wait_ready PORT PID: until the server on PORT is ready; fails at once if PID (the server) exits.
wait_ready() {
  until curl -sf "http://127.0.0.1:$1/status/ready" > /dev/null; do
    kill -0 "$2" 2> /dev/null || { echo "the server on port $1 exited before it was ready" >&2; return 1; }
    sleep 0.05
  done
}

# skip_all REASON: the whole script cannot run here: says so and exits 77 (what smoke.sh counts as
# a skip; any other non-zero status is a failure).
skip_all() { skipped "$@"; exit 77; }

# python_with MODULE:PACKAGE...: sets `py` to a Python that imports every MODULE: this machine's
# when it already does, else a venv (Benchmarks/data/.venv, or BENCH_VENV) with the PACKAGEs from
# PyPI. Never pip into the system's Python: Debian's refuses it (PEP 668), and it is not ours.
python_with() {
  local item missing=0
  py=python3
  for item in "$@"; do python3 -c "import ${item%%:*}" 2> /dev/null || missing=1; done
  ((missing)) || return 0
  local venv=${BENCH_VENV:-data/.venv}
  if [[ ! -x $venv/bin/python ]]; then
    python3 -m venv "$venv" 2> /dev/null || {
      if [[ $(id -u) == 0 ]]; then apt-get install -y -q python3-venv; else sudo apt-get install -y -q python3-venv; fi
      rm -rf "$venv"; python3 -m venv "$venv"
    }
  fi
  py=$(cd "$venv/bin" && pwd)/python  # not realpath: the venv is the symlink's path, not its target
  for item in "$@"; do "$py" -c "import ${item%%:*}" 2> /dev/null || "$py" -m pip install -q "${item#*:}"; done
  for item in "$@"; do "$py" -c "import ${item%%:*}" || { echo "python_with: ${item%%:*} still cannot be imported" >&2; return 1; }; done
}
