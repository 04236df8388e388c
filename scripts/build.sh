#!/usr/bin/env bash
# `npm run build` (and `npm install`, through `prepare`): the TypeScript of src/, workflows/,
# activities/ and slack/ compiled to dist/js, with a stamp of the sources it was built from
# (bin/compiled.js runs it only while the stamp matches; otherwise tsx runs the sources).
# --optional (npm install): a build that cannot run or fails is one line, exit 0; the npm
# scripts then run from source as before.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
optional=false
[[ "${1:-}" == "--optional" ]] && optional=true

skip() {
  if $optional; then
    echo "migrate-identity: no compiled build ($1): the npm scripts run the sources through tsx" >&2
    exit 0
  fi
  echo "migrate-identity: build failed: $1" >&2
  exit 1
}

[[ -x "$root/node_modules/.bin/tsc" ]] || skip "TypeScript is not installed (npm install without --omit=dev)"
# Taken before compiling: a source edited meanwhile makes the build stale, never wrongly current.
stamp="$(node "$root/bin/compiled.js" --stamp)" || skip "cannot stamp the sources"
rm -rf "$root/dist/js"
started=$SECONDS
"$root/node_modules/.bin/tsc" -p "$root/tsconfig.build.json" || skip "tsc reported errors"
echo "$stamp" >"$root/dist/js/sources.stamp"
echo "migrate-identity: compiled to dist/js in $((SECONDS - started)) s" >&2
