#!/usr/bin/env bash
# The dashboard's browser tests: Debian's chromium and chromedriver, driven by selenium (from
# PyPI, in a virtual environment under .build/), against `vigil serve` on SQLite with the
# CyberTipline mock and Vigil's own PhotoDNA-compatible endpoint as the PhotoDNA service.
# Screenshots of every step go to browser-screenshots/ (git-ignored).
#   Tests/Browser/run.sh [path/to/vigil]
set -euo pipefail
cd "$(dirname "$0")/../.."
vigil="${1:-.build/debug/vigil}"
[[ -x "$vigil" ]] || { echo "no vigil binary at $vigil: run swift build first" >&2; exit 1; }

venv=.build/browser-venv
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import selenium" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "selenium>=4.20,<5"
fi
rm -rf browser-screenshots && mkdir -p browser-screenshots
exec "$venv/bin/python" Tests/Browser/dashboard_flows.py --vigil "$vigil" --screenshots browser-screenshots
