#!/usr/bin/env bash
# Installs Debian's Chromium for the Temporal UI browser test (test/e2e/temporal-ui.test.ts),
# which drives it through playwright-core. Playwright's own browser download is not used:
# the distribution package is signed, cached by apt, and patched by Debian security.
# The emoji font draws the status icons of the run's current details in screenshots.
# Idempotent: does nothing when the browser is already there. Prints its path on stdout.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
EMOJI_FONT=/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf

if [[ ! -x "$CHROMIUM" || ! -f "$EMOJI_FONT" ]]; then
  if ! command -v apt-get >/dev/null; then
    echo "no Chromium at $CHROMIUM (or no emoji font) and no apt-get to install it: set CHROMIUM_PATH" >&2
    exit 1
  fi
  sudo_cmd=()
  [[ "$(id -u)" -ne 0 ]] && sudo_cmd=(sudo)
  echo "installing Debian's chromium package" >&2
  "${sudo_cmd[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    chromium fonts-dejavu-core fonts-noto-color-emoji >&2
fi

"$CHROMIUM" --version >&2
echo "$CHROMIUM"
