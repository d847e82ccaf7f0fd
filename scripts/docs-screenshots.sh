#!/bin/sh
# Copies the browser suite's screenshots of every screen (1400 px wide) into docs/screenshots/,
# which docs/dashboard.md shows. Run after `Tests/Browser/run.sh` (or `make test`) when a screen
# changes: the copies are documentation, refreshed by hand, not test output.
set -eu
cd "$(dirname "$0")/.."
[ -d browser-screenshots ] || { echo "no browser-screenshots/: run Tests/Browser/run.sh first" >&2; exit 1; }
mkdir -p docs/screenshots
rm -f docs/screenshots/*.png
for shot in browser-screenshots/page-*-1400.png; do
    cp "$shot" "docs/screenshots/$(basename "$shot" | sed 's/^page-//; s/-1400//')"
done
ls docs/screenshots
