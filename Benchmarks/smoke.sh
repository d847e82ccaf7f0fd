#!/usr/bin/env bash
# Benchmarks rot when nothing runs them (issue 29 §4): this runs every script in Benchmarks/ at a
# small size (SMOKE=1: 2,000 hashes, 1-second load runs) with the given `vigil`, so that a script
# that no longer works fails CI. Scripts run in an order where each comes after those whose data it
# reads, each in a fresh data directory of its own under Benchmarks/data/smoke-* (given copies of
# the data it reads), each with a timeout. Their output is shown as they run; at the end, one line
# per script: pass, skip or fail, and its seconds. Exits 1 naming every script that failed.
#   Benchmarks/smoke.sh VIGIL_BINARY
#   scripts/with-postgres.sh Benchmarks/smoke.sh .build/debug/vigil   (gives the scripts that take a
#                                     PostgreSQL URL, import.sh and import-floors.sh, that cluster)
# A script fails when it exits non-zero (77 is a skip: it cannot run here), and also when its
# output shows a load run whose every answer was an error, a wrk run with error answers, a Python
# traceback or a missing command. Scripts that build something build it small (index-query.sh:
# swiftc -O of three modules; index.sh and run.sh: their programs against the debug build, see
# Benchmarks/lib/debug-program.sh); what cannot run here is said in a "skipped: REASON" line.
#   HMA_URL=…         also runs compare-hma.sh's HMA half (not installed here: Vigil's half alone)
#   SMOKE_TIMEOUT=s   per script (default 180)
#   SMOKE_BUDGET=s    for the whole smoke (default 1200): a script that would start past it fails unrun
#   SMOKE_KEEP=1      keep the data directory (it is removed when every script passed)
#   SMOKE_ONLY="serve.sh compare-serve.sh"   run these alone (name the producers of their data too)
# Installs what the scripts install when missing: the Debian packages of scripts/install-deps.sh
# --test, wrk, and pdqhash, Pillow, numpy and faiss-cpu from PyPI.
set -uo pipefail
[[ $# == 1 ]] || { echo "usage: Benchmarks/smoke.sh VIGIL_BINARY" >&2; exit 2; }
[[ -x $1 && ! -d $1 ]] || { echo "not an executable: $1" >&2; exit 2; }
vigil=$(realpath "$1")
cd "$(dirname "$0")"
here=$PWD
timeout_s=${SMOKE_TIMEOUT:-180}
# The whole smoke's budget: a script starts only with at least 30 s of it left, and never runs past
# it, so a run of slow scripts fails here, naming them, before CI's own limit cuts everything off.
budget=${SMOKE_BUDGET:-1200}
began=$(date +%s)
n=2000 seconds=1
pg=${VIGIL_TEST_DATABASE_URL:-}
# The ports the scripts serve on: free before each script, or it would measure someone else's server.
ports=(18095 18096 18097 18098 18099 18100 18101 18102 18177 18178 18180 18181 18182 18183 18184 18185 18186)

root=$here/data/smoke-$(date -u +%Y%m%d-%H%M%S)-$$
mkdir -p "$root/logs"
export SMOKE=1 VIGIL=$vigil N=$n
unset BENCH_DATA

# The reference libraries index.sh and run.sh compare with (faiss, pdqhash), installed once before
# the scripts' clocks start: on a fresh machine they come from PyPI into a venv (lib/common.sh).
echo "== the reference libraries (faiss, pdqhash): installed when missing"
(source lib/common.sh && python_with faiss:faiss-cpu numpy:numpy pdqhash:pdqhash PIL:pillow) || { echo "installing the reference libraries failed" >&2; exit 1; }
began=$(date +%s)
echo "== smoke: $("$vigil" --version 2>&1) ($vigil), N=$n, ${seconds} s load runs, ${timeout_s} s a script, data in ${root#"$here"/}"
if [[ -n $pg ]]; then
  echo "== PostgreSQL: $pg (import.sh and import-floors.sh use it)"
else
  echo "== PostgreSQL: no VIGIL_TEST_DATABASE_URL: import.sh and import-floors.sh run on SQLite alone (run the smoke under scripts/with-postgres.sh)"
fi

names=() statuses=() times=() notes=() failed=()
declare -A status_of

record() {  # NAME STATUS SECONDS NOTE
  names+=("$1"); statuses+=("$2"); times+=("$3"); notes+=("$4")
  status_of[$1]=$2
  [[ $2 == fail ]] && failed+=("$1")
}

busy_ports() {
  local port
  for port in "${ports[@]}"; do
    ss -Htln "sport = :$port" | grep -q . && echo -n "$port "
  done
}

# What a zero exit status does not show: a load run whose every answer was an error (a renamed
# route, a refused key), wrk's error answers, a Python traceback or a missing command in a $(…).
silent_failures() {  # LOG
  awk '
    /RESULT / && match($0, /requests=[0-9]+/) {
      r = substr($0, RSTART + 9, RLENGTH - 9) + 0
      if (match($0, /non2xx=[0-9]+/) && r > 0 && substr($0, RSTART + 7, RLENGTH - 7) + 0 == r) { print "every request of a load run failed: " $0; exit }
    }
    /Non-2xx or 3xx responses/ { print "a load run had error answers: " $0; exit }
    /^Traceback \(most recent call last\)/ { print "a Python traceback"; exit }
    /: command not found/ { print $0; exit }
  ' "$1"
}

current=
trap '[[ -n $current ]] && kill -TERM -- "-$current" 2>/dev/null; exit 130' INT TERM

# run NAME "PRODUCER:PATH …" ARGS…: runs Benchmarks/NAME with ARGS in a fresh data directory that
# holds copies of the paths it reads from the producers' directories.
run() {
  local name=$1 inputs=$2; shift 2
  [[ -z ${SMOKE_ONLY:-} || " $SMOKE_ONLY " == *" $name "* ]] || return 0
  local dir=$root/${name%.sh} log=$root/logs/${name%.sh}.log input producer path
  echo
  echo "==== $name $*"
  mkdir -p "$dir"
  for input in $inputs; do
    producer=${input%%:*} path=${input#*:}
    if [[ ${status_of[$producer.sh]:-} != pass ]]; then
      echo "skipped: needs $producer.sh's $path, and $producer.sh did not pass"
      record "$name" skip 0 "needs $producer.sh"
      return
    fi
    mkdir -p "$(dirname "$dir/$path")"
    cp -r "$root/$producer/$path" "$dir/$path"
  done
  local busy; busy=$(busy_ports)
  if [[ -n $busy ]]; then
    echo "ports in use before $name: $busy(another server is running)"
    record "$name" fail 0 "ports in use: $busy"
    return
  fi
  local left=$(( budget - ($(date +%s) - began) ))
  if ((left < 30)); then
    record "$name" fail 0 "not run: the smoke's budget of ${budget} s was spent (SMOKE_BUDGET)"
    return
  fi
  local limit=$(( left < timeout_s ? left : timeout_s ))
  local start; start=$(date +%s.%N)
  # timeout puts the script in a process group of its own: whatever it leaves running is ended
  # with it (a server whose script failed would answer the next script's readiness check).
  : > "$log"  # before tail reads it
  BENCH_DATA=$dir timeout -k 10 "$limit" bash "./$name" "$@" > "$log" 2>&1 &
  current=$!
  tail -s 0.2 -n +1 -f --pid=$current "$log" | sed -u 's/^/    /'
  [[ -z $(tail -c1 "$log") ]] || echo  # a script cut off mid-line
  wait $current
  local rc=$?
  kill -TERM -- "-$current" 2> /dev/null && sleep 0.5 && kill -KILL -- "-$current" 2> /dev/null
  current=
  local took; took=$(printf "%.1f" "$(echo "$(date +%s.%N) - $start" | bc)")
  local parts; parts=$(grep -c '^skipped: ' "$log")
  local why
  if ((rc == 124 || rc == 137)); then
    record "$name" fail "$took" "timed out after ${limit} s"
  elif ((rc == 77)); then
    record "$name" skip "$took" "$(grep -m1 '^skipped: ' "$log" | cut -c10-)"
  elif ((rc != 0)); then
    record "$name" fail "$took" "exit status $rc"
  elif why=$(silent_failures "$log") && [[ -n $why ]]; then
    record "$name" fail "$took" "$why"
  elif ((parts > 0)); then
    record "$name" pass "$took" "$parts part(s) skipped: $(grep '^skipped: ' "$log" | cut -c10- | cut -d: -f1 | paste -sd ';' | sed 's/;/; /g')"
  else
    record "$name" pass "$took" ""
  fi
}

# Independent ones first, then each producer before what reads its data.
run import.sh "" "$n" "$pg"
run import-floors.sh "" "$n" "$pg"
run bank-delete.sh "" "$n" "$vigil"
run index-query.sh "" 1 HEAD
run index-scale.sh "" 5000 HEAD                       # over the flat limit: a multi-index segment
run index.sh "" "$n"
run pdq-speed.sh "" 1 HEAD
run retro.sh "" "$n"
run run.sh ""
run serve.sh "" "$n" "$seconds"                       # index-N/hashes.csv, serve-N (bank, key, query paths)
run serve-breakdown.sh "serve:serve-$n" "$n" "$seconds"
run lookup-tail.sh "serve:serve-$n" "$vigil" "$vigil" "$n" "$seconds" 2
run compare-serve.sh "serve:index-$n serve:serve-$n" "$vigil" "$vigil" "$n" "$seconds"   # compare-new-N
run hash-lookups.sh "serve:serve-$n compare-serve:compare-new-$n" "$seconds" "$vigil"
run compare-hma.sh "serve:serve-$n compare-serve:compare-new-$n" "${HMA_URL:-}" "$n" "$seconds"
run match-events.sh "serve:index-$n serve:serve-$n" "$vigil" "$vigil" "$n" "$seconds"
run limits.sh "" "$vigil" "$vigil" "$seconds" "$n"     # limits/base, serve-N/paths.txt
run house.sh "limits:limits/base limits:serve-$n" "$vigil" "$vigil" "$seconds" "$n"
run events.sh "" 20 "$seconds" 2
run freshness.sh "" 5
run reports.sh "" 1 2
run workflows.sh "" 20 "$seconds"
run soak.sh "" 0.5 5 1

# A script added to Benchmarks/ and not to the list above fails the smoke.
for script in *.sh; do
  [[ $script == smoke.sh || -n ${status_of[$script]:-} || -n ${SMOKE_ONLY:-} ]] && continue
  record "$script" fail 0 "not in Benchmarks/smoke.sh: add it"
done

echo
echo "==== smoke summary ($(( $(date +%s) - began )) s)"
for i in "${!names[@]}"; do
  printf "  %-4s %6s s  %-19s %s\n" "${statuses[$i]}" "${times[$i]}" "${names[$i]}" "${notes[$i]}"
done
if ((${#failed[@]})); then
  echo "FAILED: ${failed[*]} (data and logs kept in ${root#"$here"/})"
  exit 1
fi
passed=0 skips=0
for status in "${statuses[@]}"; do [[ $status == pass ]] && ((passed++)); [[ $status == skip ]] && ((skips++)); done
echo "no script failed: $passed passed, $skips skipped"
if [[ ${SMOKE_KEEP:-} == 1 ]]; then
  echo "data and logs kept in ${root#"$here"/}"
else
  rm -rf "$root"
fi
