#!/usr/bin/env bash
# Installs the moto AWS emulator (IAM, EKS) that the adapter tests run against, in a
# venv of its own so the system Python is never touched. Idempotent: a venv that
# already has the pinned version is reused. Prints the moto_server path on stdout.
set -euo pipefail

MOTO_VERSION="5.2.1"
CACHE_DIR="${MIGRATE_IDENTITY_CACHE:-$HOME/.cache/migrate-identity}"
VENV="$CACHE_DIR/moto-venv"
PYTHON="${PYTHON:-python3}"

installed_version() {
  "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null || true
}

if [[ ! -x "$VENV/bin/moto_server" || "$(installed_version)" != "$MOTO_VERSION" ]]; then
  mkdir -p "$CACHE_DIR"
  "$PYTHON" -m venv "$VENV" >&2
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
fi

echo "$VENV/bin/moto_server"
