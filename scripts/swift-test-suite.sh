#!/usr/bin/env bash
# The Swift test suite with a time limit, for CI. The suite takes 3-4 minutes; a run that has not
# finished in 10 is hung. One such hang was seen (2026-12-03, on a fresh clone): the test process
# idle at 0% CPU with no child process, no open connection and no thread in our code, one process
# test (ServeCommandTests) left unfinished. It is not understood yet, so a hang is reported with the
# tests it left unfinished and the suite is run once more; a second hang, or any failure, fails.
#   scripts/with-postgres.sh scripts/swift-test-suite.sh [swift test arguments, such as --filter]
set -uo pipefail
swift=${SWIFT:-swift}
limit=${VIGIL_TEST_TIME_LIMIT:-600}
log=$(mktemp /tmp/vigil-swift-test.XXXXXX)
trap 'rm -f "$log"' EXIT
for attempt in 1 2; do
  # Line-buffered, so that the log says what was running when a hang is cut off.
  timeout --kill-after=15 "$limit" stdbuf -oL -eL "$swift" test --skip-build "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  if [[ $status != 124 && $status != 137 ]]; then exit "$status"; fi
  pkill -KILL -f 'PackageTests.xctest' 2>/dev/null || true
  echo "== the suite did not finish within $limit s (attempt $attempt of 2); tests started and not finished:" >&2
  python3 - "$log" >&2 <<'PY'
import re, sys
started, done = set(), set()
for line in open(sys.argv[1], errors="replace"):
    if m := re.search(r"◇ Test (\S+?\().*started", line): started.add(m.group(1))
    if m := re.search(r"[✔✘] Test (\S+?\()", line): done.add(m.group(1))
print("\n".join("   " + name + ")" for name in sorted(started - done)) or "   (none)")
PY
done
exit 124
