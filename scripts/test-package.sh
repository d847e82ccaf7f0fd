#!/usr/bin/env bash
# The Debian package on this machine, as an operator meets it: built twice (a build and a newer
# one), installed, started as its unit starts it, upgraded with data in place, removed (the data
# stays) and purged (nothing stays). Needs root (dpkg -i). CI runs it from `make test`.
#   scripts/test-package.sh [BINARY]        (default .build/debug/vigil)
#
# CI's machines run without systemd as PID 1, so `systemctl start` cannot be used. The unit is
# checked by `systemd-analyze verify`, and started here as systemd would start it: its ExecStart,
# as its User, with its EnvironmentFile, UMask and WorkingDirectory, a NOTIFY_SOCKET that must
# receive READY=1, and standard output a stream named by JOURNAL_STREAM. It runs in a mount
# namespace where the build folder is hidden, so everything it loads comes from the package.
# The sandboxing directives themselves (ProtectSystem=strict and the rest) need systemd to apply
# them; here they are verified as written, not enforced.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/debug/vigil}
repo=$(pwd)

fail() { echo "package test: FAIL: $*" >&2; exit 1; }
step() { echo "package test: $*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || fail "needs root (dpkg -i, a system user), and sudo is not installed"
  exec sudo --preserve-env=PATH "$0" "$@"
fi
[[ -x "$binary" ]] || fail "no binary at $binary"
if installed=$(dpkg-query -W -f='${Version}' vigil 2>/dev/null) && [[ -n "$installed" ]]; then
  [[ "$installed" == *+pkgtest* ]] || fail "vigil $installed is installed on this machine: this test would replace it"
  dpkg --purge vigil >/dev/null
fi

work=$(mktemp -d)
chmod 0755 "$work"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill -9 "$server_pid" 2>/dev/null || true
  [[ -n "${listener_pid:-}" ]] && kill "$listener_pid" 2>/dev/null || true
  if dpkg-query -W vigil >/dev/null 2>&1; then dpkg --purge vigil >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

base_version=$("$binary" --version)
step "building vigil ${base_version}+pkgtest1 and +pkgtest2 from $binary"
export VIGIL_DEB_COMPRESSION=gzip VIGIL_DEB_LEVEL=1
first_deb=$(scripts/package-deb.sh "$binary" "${base_version}+pkgtest1" "$work/dist")
second_deb=$(scripts/package-deb.sh "$binary" "${base_version}+pkgtest2" "$work/dist")

# --- The unit and the settings file, as shipped ---------------------------------------------
mkdir "$work/unit"
dpkg-deb -x "$first_deb" "$work/unit"
unit="$work/unit/lib/systemd/system/vigil.service"
verify=$(cd "$work/unit/lib/systemd/system" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no ./vigil.service 2>&1 | grep -v "Cannot find unit\|is not executable: No such file\|Command /usr/lib/vigil/vigil is not executable" || true)
[[ -z "$verify" ]] || fail "systemd-analyze verify: $verify"
for directive in "Type=notify" "User=vigil" "Group=vigil" "ProtectSystem=strict" "ReadWritePaths=/var/lib/vigil" "NoNewPrivileges=yes" \
                 "Restart=on-failure" "EnvironmentFile=/etc/vigil/vigil.env" "PrivateTmp=yes" "CapabilityBoundingSet=" "UMask=0077"; do
  grep -qx "$directive" "$unit" || fail "the unit lacks $directive"
done
env_file="$work/unit/etc/vigil/vigil.env"
known=$(sed -n '/static let names: Set<String> = \[/,/\]/p' Sources/VigilCommands/Configuration/ServeConfiguration.swift)
for name in $(grep -o 'reader\.[a-z]*("[a-z_]*"' Sources/VigilCommands/Configuration/ServeConfiguration.swift | sed 's/.*("//; s/"//' | sort -u) master_key config; do
  variable="VIGIL_$(echo "$name" | tr a-z A-Z)"
  grep -qE "^#?${variable}=" "$env_file" || fail "$variable is a setting of vigil serve but deploy/debian/vigil.env does not document it"
  [[ $name == master_key || $name == config ]] || grep -q "\"$name\"" <<< "$known" || fail "$name is read by vigil serve but a config file may not hold it (ServeConfiguration.names)"
done

# --- Install ----------------------------------------------------------------------------------
step "installing $first_deb"
dpkg -i "$first_deb" >/dev/null
getent passwd vigil >/dev/null || fail "no vigil user after the install"
[[ $(stat -c '%U %a' /var/lib/vigil) == "vigil 700" ]] || fail "/var/lib/vigil is $(stat -c '%U %a' /var/lib/vigil), not vigil 700"
[[ $(stat -c '%U:%G %a' /etc/vigil/vigil.env) == "root:vigil 640" ]] || fail "/etc/vigil/vigil.env is $(stat -c '%U:%G %a' /etc/vigil/vigil.env)"
missing=$(env -u LD_LIBRARY_PATH ldd /usr/lib/vigil/vigil | grep -E "not found|/opt/" || true)
[[ -z "$missing" ]] || fail "the installed binary loads libraries from outside the package and Debian: $missing"
[[ $(env -u LD_LIBRARY_PATH PATH=/usr/bin:/bin vigil --version) == "${base_version}" ]] || fail "vigil --version from /usr/bin"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

# Starts the installed unit as systemd would (see the top of this file); returns once it said READY=1.
start_unit() {
  local label=$1
  local exec_start user umask_value directory
  exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/vigil.service)
  user=$(sed -n 's/^User=//p' /lib/systemd/system/vigil.service)
  umask_value=$(sed -n 's/^UMask=//p' /lib/systemd/system/vigil.service)
  directory=$(sed -n 's/^WorkingDirectory=//p' /lib/systemd/system/vigil.service)
  rm -f "$work/notify.sock" "$work/notify.log"
  python3 - "$work/notify.sock" "$work/notify.log" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777)
while True:
    data = s.recv(4096).decode()
    with open(sys.argv[2], "a") as log: log.write(data + "\n")
PY
  listener_pid=$!
  for _ in $(seq 100); do [[ -S "$work/notify.sock" ]] && break; sleep 0.05; done
  : > "$work/$label.out"
  chmod 0666 "$work/$label.out"
  local stream
  stream=$(stat -c '%d:%i' "$work/$label.out")
  # The EnvironmentFile's assignments (comments and blank lines dropped), then what systemd adds.
  mapfile -t settings < <(grep -E '^[A-Z_]+=' /etc/vigil/vigil.env)
  unshare --mount --propagation private sh -c '
      mount -t tmpfs none "$1/.build" && shift && cd "$1" && umask "$2" && shift 2 && exec "$@"' \
    sh "$repo" "$directory" "$umask_value" \
    setpriv --reuid="$user" --regid="$user" --init-groups --no-new-privs \
    env -i PATH=/usr/bin:/bin "${settings[@]}" VIGIL_PORT="$port" NOTIFY_SOCKET="$work/notify.sock" JOURNAL_STREAM="$stream" \
    $exec_start > "$work/$label.out" 2> "$work/$label.err" &
  server_pid=$!
  for _ in $(seq 1200); do
    grep -q "READY=1" "$work/notify.log" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || fail "the service exited before READY=1: $(tail -c 1500 "$work/$label.err")"
    sleep 0.1
  done
  grep -q "READY=1" "$work/notify.log" || fail "no READY=1 in 120 s: $(tail -c 1500 "$work/$label.err")"
  [[ $(curl -s -o /dev/null -w '%{http_code}' "$base/status/ready") == 200 ]] || fail "/status/ready is not 200 after READY=1"
}

stop_unit() {
  kill -TERM "$server_pid"
  local status=0
  wait "$server_pid" || status=$?
  server_pid=""
  [[ $status -eq 0 ]] || fail "the service exited $status on SIGTERM: $(tail -c 1500 "$work/$1.err")"
  grep -q "STOPPING=1" "$work/notify.log" || fail "the service did not tell systemd STOPPING=1"
  kill "$listener_pid" 2>/dev/null || true
  wait "$listener_pid" 2>/dev/null || true
  listener_pid=""
}

step "starting the unit"
start_unit first
key_file=/var/lib/vigil/first-admin-key
[[ $(stat -c '%U %a' "$key_file") == "vigil 600" ]] || fail "the first admin key is not in $key_file (vigil, 600)"
key=$(cat "$key_file")
[[ "$key" == vgl_* ]] || fail "$key_file does not hold a key"
if grep -qF "$key" "$work/first.out" "$work/first.err"; then fail "the first admin key was written to the journal"; fi
grep -q "first-admin-key" "$work/first.err" || fail "the log does not say where the first admin key is"
code=$(curl -s -o /dev/null -w "%{http_code}" "$base/login"); [[ "$code" == 200 ]] || fail "the dashboard's sign-in page answers $code, not 200 (its templates come from the package)"
curl -sf "$base/assets/vigil.css" -o /dev/null || fail "the dashboard's assets are not served from the package"
curl -sf -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d '{"name":"KEPT"}' "$base/v1/banks" -o /dev/null || fail "cannot create a bank"
curl -sf -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"entries":[{"pdq":"f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"}]}' "$base/v1/banks/KEPT/entries" -o /dev/null || fail "cannot add an entry"
stop_unit first
# The CLI reads the service's settings: as the service's user it sees the unit's database.
listed=$(setpriv --reuid=vigil --regid=vigil --init-groups env -i PATH=/usr/bin:/bin vigil bank list 2>&1) || fail "vigil bank list as vigil: $listed"
grep -q KEPT <<< "$listed" || fail "vigil bank list as the vigil user does not show the service's bank: $listed"

# --- Upgrade with data in place ---------------------------------------------------------------
echo "# changed by the operator" >> /etc/vigil/vigil.env
step "upgrading to $second_deb"
dpkg -i "$second_deb" >/dev/null
[[ $(dpkg-query -W -f='${Version}' vigil) == "${base_version}+pkgtest2" ]] || fail "the upgrade did not install the newer build"
grep -q "# changed by the operator" /etc/vigil/vigil.env || fail "the upgrade replaced the operator's settings file"
start_unit second
entries=$(curl -sf -H "Authorization: Bearer $key" "$base/v1/banks/KEPT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["entry_count"])')
[[ "$entries" == 1 ]] || fail "after the upgrade the bank KEPT holds $entries entries, not 1"
stop_unit second

# --- Remove keeps the data; purge keeps nothing -----------------------------------------------
step "removing"
dpkg -r vigil >/dev/null
[[ ! -e /usr/lib/vigil/vigil && ! -e /usr/bin/vigil && ! -e /lib/systemd/system/vigil.service ]] || fail "remove left the program"
[[ -f /var/lib/vigil/vigil.sqlite && -f /var/lib/vigil/master.key && -f /etc/vigil/vigil.env ]] || fail "remove deleted the data or the settings"
step "purging"
dpkg -P vigil >/dev/null
[[ ! -e /var/lib/vigil && ! -e /etc/vigil ]] || fail "purge left $(ls -d /var/lib/vigil /etc/vigil 2>/dev/null)"
if getent passwd vigil >/dev/null || getent group vigil >/dev/null; then fail "purge left the vigil user or group"; fi
if dpkg-query -W -f='${Status}' vigil 2>/dev/null | grep -q installed; then fail "dpkg still lists vigil"; fi
step "OK: built, verified, installed, started (READY=1, /status/ready 200), upgraded with its data, removed and purged"
