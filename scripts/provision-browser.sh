#!/usr/bin/env bash
# Installs Debian's Chromium for the Temporal UI browser test (test/e2e/temporal-ui.test.ts),
# which drives it through playwright-core. Playwright's own browser download is not used:
# the distribution package is signed, cached by apt, and patched by Debian security.
# Idempotent: does nothing when the browser is already there. Prints its path on stdout.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

if [[ ! -x "$CHROMIUM" ]]; then
  if ! command -v apt-get >/dev/null; then
    echo "no Chromium at $CHROMIUM and no apt-get to install it: set CHROMIUM_PATH" >&2
    exit 1
  fi
  sudo_cmd=()
  [[ "$(id -u)" -ne 0 ]] && sudo_cmd=(sudo)
  echo "installing Debian's chromium package" >&2
  "${sudo_cmd[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    chromium fonts-dejavu-core >&2
fi

"$CHROMIUM" --version >&2
echo "$CHROMIUM"
