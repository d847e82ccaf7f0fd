#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser (issue 32 §4): builds `vigil-fuzz` with libFuzzer
# (`-sanitize=fuzzer`, its own scratch path, so the ordinary build is not rebuilt) and runs each
# target for SECONDS, starting from its committed seeds in Tests/Fuzz/TARGET/ (read, never written:
# what libFuzzer learns goes to a scratch corpus). A crash, an input that takes over 10 s (a debug
# build) or one that needs over 2 GB is a finding: libFuzzer keeps the input in fuzz-findings/TARGET/, the script
# names it and fails at the end. Copy the input into Tests/Fuzz/TARGET/ (the suite replays it from
# then on) and fix the parser; `.build/debug/vigil-fuzz TARGET FILE` replays it without the
# instrumented build.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (default 60 s each, every target)
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
seconds=${1:-60}
shift || true
scratch=${VIGIL_FUZZ_SCRATCH:-.build-fuzz}

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(find Tests/Fuzz -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
fi
for target in "${targets[@]}"; do
  [[ -d Tests/Fuzz/$target ]] || { echo "fuzz: no target $target (no seeds in Tests/Fuzz/$target)" >&2; exit 2; }
done

# SwiftPM's own --sanitize=fuzzer (not -Xswiftc): it then leaves the entry point to libFuzzer.
build=("$SWIFT" build --product vigil-fuzz --scratch-path "$scratch" --sanitize=fuzzer
       -Xswiftc -parse-as-library -Xswiftc -DVIGIL_LIBFUZZER)
"${build[@]}"
fuzzer=$("${build[@]}" --show-bin-path)/vigil-fuzz
# The suite's server-level harness covers these two (a whole server answers each body): not here.
server_level=" json_bodies multipart "

failed=()
fuzzed=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in "${targets[@]}"; do
  if [[ $server_level == *" $target "* ]]; then
    echo "== $target: run by the suite's harness (make fuzz runs it timed), not by libFuzzer"
    continue
  fi
  fuzzed=$((fuzzed + 1))
  findings=fuzz-findings/$target
  mkdir -p "$findings" "$work/$target"
  touch "$work/$target.start"  # findings of earlier runs stay; this run names only its own
  echo "== $target: $seconds s from $(find "Tests/Fuzz/$target" -type f | wc -l) seeds"
  if ! VIGIL_FUZZ_TARGET=$target "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$findings/" "$work/$target" "Tests/Fuzz/$target" > "$work/$target.log" 2>&1; then
    tail -40 "$work/$target.log"
    echo "FINDING in $target: $(find "$findings" -newer "$work/$target.start" \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | tr '\n' ' ')" >&2
    failed+=("$target")
  else
    { grep -E "^stat::number_of_executed_units|^stat::new_units_added|cov: " "$work/$target.log" || true; } | tail -3
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: findings in ${failed[*]} (inputs in fuzz-findings/)" >&2
  exit 1
fi
echo "fuzz: no finding in $fuzzed targets, $seconds s each"
