#!/usr/bin/env bash
# Provides promtool, which the tests use to check and unit-test the Prometheus alert rules in
# deploy/observability/alerts.yaml. Taken from Debian's `prometheus` package: the package is
# downloaded (not installed: installing it would start a Prometheus server) and only its
# static promtool binary is extracted into
#   ${MIGRATE_IDENTITY_CACHE:-$HOME/.cache/migrate-identity}/promtool/bin/promtool
# Idempotent: a second run only prints the path. Set PROMTOOL_PATH to use another promtool.
# Prints the binary's path on stdout.
set -euo pipefail

if [[ -n "${PROMTOOL_PATH:-}" ]]; then
  echo "$PROMTOOL_PATH"
  exit 0
fi
CACHE="${MIGRATE_IDENTITY_CACHE:-$HOME/.cache/migrate-identity}/promtool"
BIN="$CACHE/bin/promtool"
if [[ -x "$BIN" ]]; then
  echo "$BIN"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "provision-promtool: no promtool at $BIN and no apt-get to fetch Debian's: set PROMTOOL_PATH" >&2
  exit 1
fi
t=$(date +%s)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sudo_cmd=()
[[ "$(id -u)" -ne 0 ]] && sudo_cmd=(sudo)
# `apt-get download` needs the package lists; a failed first try usually means they are stale.
if ! (cd "$work" && apt-get download -qq prometheus >/dev/null 2>&1); then
  "${sudo_cmd[@]}" apt-get update -qq >&2
  (cd "$work" && apt-get download -qq prometheus >&2)
fi
dpkg-deb -x "$work"/prometheus_*.deb "$work/root"
mkdir -p "$CACHE/bin"
install -m 0755 "$work/root/usr/bin/promtool" "$BIN.tmp"
mv -f "$BIN.tmp" "$BIN"
echo "provision-promtool: $("$BIN" --version 2>&1 | head -n1) in $(($(date +%s) - t))s" >&2
echo "$BIN"
