#!/usr/bin/env bash
# Builds Vigil's Debian package from a built binary, offline (dpkg-deb only):
#   scripts/package-deb.sh [BINARY] [VERSION] [OUT_DIR]
# BINARY defaults to .build/release/vigil, VERSION to `vigil --version`, OUT_DIR to dist/.
#
# What goes in:
#   /usr/lib/vigil/vigil                       the binary, its run path set to lib/ beside it
#   /usr/lib/vigil/*.resources                 the dashboard's templates, assets, the OpenAPI document
#   /usr/lib/vigil/lib/                        the Swift runtime the binary was linked with (none for
#                                              a --static-swift-stdlib build)
#   /usr/bin/vigil                             the CLI: the binary with the service's settings file read first
#   /lib/systemd/system/vigil.service          the hardened unit (deploy/debian/vigil.service)
#   /etc/vigil/vigil.env                       every setting, documented (a conffile)
#   /usr/share/doc/vigil/                      README, CHANGELOG, the operations documents
# Depends: the Debian packages that own each shared library the binary loads (found with ldd
# and dpkg -S on this machine), and adduser for the service's user.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${1:-.build/release/vigil}
[[ -x "$binary" ]] || { echo "package-deb: no binary at $binary: build it first (make release)" >&2; exit 1; }
version=${2:-$("$binary" --version)}
out=${3:-dist}
for tool in dpkg-deb patchelf ldd; do
  command -v "$tool" >/dev/null || { echo "package-deb: $tool is needed (scripts/install-deps.sh --package)" >&2; exit 1; }
done
arch=$(dpkg --print-architecture)
build_dir=$(dirname "$binary")

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
install -d -m 0755 "$root/DEBIAN" "$root/usr/lib/vigil/lib" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/vigil" "$root/usr/share/doc/vigil"

install -m 0755 "$binary" "$root/usr/lib/vigil/vigil"
for resources in "$build_dir"/*.resources; do
  [[ -d "$resources" ]] && cp -R "$resources" "$root/usr/lib/vigil/"
done
ls -d "$root"/usr/lib/vigil/Vigil_VigilServer.resources >/dev/null

# The Swift runtime travels with the binary; everything else comes from Debian's packages.
depends=()
while read -r name path; do
  [[ -n "$path" && -e "$path" ]] || continue
  real=$(readlink -f "$path")
  if [[ "$real" != /usr/* && "$real" != /lib* ]] || [[ "$real" == /usr/local/* ]]; then
    install -m 0644 "$real" "$root/usr/lib/vigil/lib/$name"
  else
    owner=$(dpkg -S "$real" 2>/dev/null || dpkg -S "$path" 2>/dev/null || true)
    owner=${owner%%:*}
    [[ -n "$owner" ]] || { echo "package-deb: no Debian package owns $path" >&2; exit 1; }
    depends+=("$owner")
  fi
done < <(ldd "$binary" | awk '$2 == "=>" && $3 != "not" { print $1, $3 }')
if compgen -G "$root/usr/lib/vigil/lib/*" >/dev/null; then
  patchelf --set-rpath '$ORIGIN/lib' "$root/usr/lib/vigil/vigil"
  # The runtime's own libraries find each other beside themselves.
  for lib in "$root"/usr/lib/vigil/lib/*; do patchelf --set-rpath '$ORIGIN' "$lib"; done
else
  rmdir "$root/usr/lib/vigil/lib"
fi
# The command line reads the service's settings, so `vigil backup` or `vigil keys create` work on
# the database the unit serves (a flag or a variable given still wins over the file's).
cat > "$root/usr/bin/vigil" <<'SH'
#!/bin/sh
# vigil from the Debian package: the service's settings (/etc/vigil/vigil.env) for every command.
if [ -r /etc/vigil/vigil.env ]; then
    set -a; . /etc/vigil/vigil.env; set +a
elif [ -e /etc/vigil/vigil.env ]; then
    echo "vigil: /etc/vigil/vigil.env is readable by root and the vigil group only: run as one (sudo -u vigil vigil …) to use the service's database" >&2
fi
exec /usr/lib/vigil/vigil "$@"
SH
chmod 0755 "$root/usr/bin/vigil"

install -m 0644 deploy/debian/vigil.service "$root/lib/systemd/system/vigil.service"
install -m 0640 deploy/debian/vigil.env "$root/etc/vigil/vigil.env"
install -m 0644 README.md CHANGELOG.md docs/deployment.md deploy/prometheus-alerts.yml deploy/grafana-dashboard.json "$root/usr/share/doc/vigil/"
install -m 0644 deploy/debian/conffiles "$root/DEBIAN/conffiles"
install -m 0755 deploy/debian/postinst deploy/debian/prerm deploy/debian/postrm "$root/DEBIAN/"

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
depends_line=$(printf '%s\n' adduser "${depends[@]}" | sort -u | paste -sd, - | sed 's/,/, /g')
cat > "$root/DEBIAN/control" <<EOF
Package: vigil
Version: $version
Architecture: $arch
Maintainer: Vigil developers <vigil@example.org>
Installed-Size: $size
Depends: $depends_line
Suggests: postgresql-client
Section: net
Priority: optional
Homepage: https://github.com/vigil-safety/vigil
Description: self-hostable image-safety service
 Vigil finds known abusive imagery by its hashes (PDQ, MD5, SHA-256, PhotoDNA through its
 API), runs workflows on matches, keeps cases and evidence for review, and reports to NCMEC's
 CyberTipline exactly once. This package runs it as the systemd service vigil.
EOF

mkdir -p "$out"
deb="$out/vigil_${version}_${arch}.deb"
# The package test builds two at once from a debug binary: it asks for quick compression.
dpkg-deb --root-owner-group -Z"${VIGIL_DEB_COMPRESSION:-xz}" ${VIGIL_DEB_LEVEL:+-z"$VIGIL_DEB_LEVEL"} --build "$root" "$deb" >/dev/null
echo "$deb"
