#!/usr/bin/env bash
# Installs the Debian packages Vigil builds, runs and tests with, when they are missing.
#   scripts/install-deps.sh          codec libraries (build and run)
#   scripts/install-deps.sh --test   plus PostgreSQL, xmllint, and chromium with its driver and Python's venv for
#                                    the dashboard's browser tests (ImageMagick is in both), and what the
#                                    package test needs (patchelf, adduser, systemd for systemd-analyze), and
#                                    nginx for the replicas behind a load balancer (Benchmarks/soak.sh in the smoke)
#   scripts/install-deps.sh --package  plus patchelf, for make package
set -euo pipefail

packages=(curl pkg-config libturbojpeg0-dev libpng-dev libgif-dev libwebp-dev libtiff-dev libheif-dev libxml2-dev imagemagick)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(postgresql libxml2-utils chromium chromium-driver python3-venv patchelf adduser systemd nginx-light)
elif [[ "${1:-}" == "--package" ]]; then
  packages+=(patchelf)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
echo "Installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

if ! command -v swift >/dev/null 2>&1 && [[ ! -x /opt/swift/usr/bin/swift ]]; then
  echo "Swift 6.1 or later is needed: install a toolchain from swift.org (or /opt/swift) and put it on PATH." >&2
  exit 1
fi
