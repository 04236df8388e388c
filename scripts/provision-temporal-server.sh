#!/usr/bin/env bash
# Builds the production Temporal binaries for the production-shaped stack test
# (test/stack/), from the Go module proxy only (tools/temporal-server/go.mod pins the
# versions docker-compose.yml runs as images):
#   temporal-server     go.temporal.io/server/cmd/server            (image temporalio/server)
#   temporal-sql-tool   go.temporal.io/server/cmd/tools/sql         (image temporalio/admin-tools)
#   temporal-ui-server  github.com/temporalio/ui-server/v2/cmd/server (image temporalio/ui;
#                       the module ships the built web assets, which the binary embeds)
# and copies from the same modules what the images carry beside them: the PostgreSQL
# schemas (share/schema/postgresql/v12) and the UI's config template (share/ui/config).
# Everything (module cache, build cache, binaries) lives under
#   ${MIGRATE_IDENTITY_CACHE:-$HOME/.cache/migrate-identity}/temporal-server
# Idempotent: with go.mod/go.sum unchanged and the outputs present it does nothing and
# takes well under a second. Prints only progress and timing (the Go tool's output goes
# to $CACHE/logs/build.log and is shown only on failure).
#
# Env: TEMPORAL_SERVER_BUILD_PARALLELISM (go build -p, default: nproc),
# TEMPORAL_SERVER_PROVISION_FORCE=1 to rebuild.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE="$ROOT/tools/temporal-server"
CACHE="${MIGRATE_IDENTITY_CACHE:-$HOME/.cache/migrate-identity}/temporal-server"
BIN="$CACHE/bin"
SHARE="$CACHE/share"
LOGS="$CACHE/logs"
mkdir -p "$BIN" "$SHARE" "$LOGS"

TOOL=provision-temporal-server PARALLELISM_VAR=TEMPORAL_SERVER_BUILD_PARALLELISM
# shellcheck source=lib/go-build-env.sh
source "$ROOT/scripts/lib/go-build-env.sh"

T0=$(date +%s)
log() { echo "provision-temporal-server: $*"; }

BINARIES=(
  temporal-server=go.temporal.io/server/cmd/server
  temporal-sql-tool=go.temporal.io/server/cmd/tools/sql
  temporal-ui-server=github.com/temporalio/ui-server/v2/cmd/server
)

STAMP="$({
  cd "$MODULE"
  cat go.mod go.sum
  go env GOVERSION
  printf '%s\n' "${BINARIES[@]}"
} | sha256sum | cut -d' ' -f1)"
outputs_present() {
  local spec
  for spec in "${BINARIES[@]}"; do
    [[ -x "$BIN/${spec%%=*}" ]] || return 1
  done
  [[ -d "$SHARE/schema/postgresql/v12/temporal/versioned" && -f "$SHARE/ui/config/docker.yaml" ]]
}
if [[ "$STAMP" == "$(cat "$BIN/.stamp" 2>/dev/null || true)" && "${TEMPORAL_SERVER_PROVISION_FORCE:-0}" != 1 ]] &&
  outputs_present; then
  log "up to date ($BIN)"
  exit 0
fi

LOGF="$LOGS/build.log"
: >"$LOGF"
fail() {
  log "$1 FAILED, see $LOGF"
  tail -n 40 "$LOGF" >&2
  exit 1
}

log "downloading modules..."
(cd "$MODULE" && go mod download) >>"$LOGF" 2>&1 || fail "module download"
log "modules ready in $(($(date +%s) - T0))s"

for spec in "${BINARIES[@]}"; do
  name="${spec%%=*}" pkg="${spec#*=}"
  TB=$(date +%s)
  log "compiling $name with -p $PARALLELISM..."
  (cd "$MODULE" && go build -p "$PARALLELISM" -trimpath -ldflags="-s -w" -o "$BIN/$name.tmp" "$pkg") \
    >>"$LOGF" 2>&1 || fail "building $name"
  mv -f "$BIN/$name.tmp" "$BIN/$name"
  log "built $name in $(($(date +%s) - TB))s"
done

# What the images carry next to the binaries, from the same module versions.
module_dir() { (cd "$MODULE" && go list -m -f '{{.Dir}}' "$1"); }
SERVER_DIR="$(module_dir go.temporal.io/server 2>>"$LOGF")" || fail "locating go.temporal.io/server"
UI_DIR="$(module_dir github.com/temporalio/ui-server/v2 2>>"$LOGF")" || fail "locating ui-server"
rm -rf "$SHARE/schema.tmp" "$SHARE/ui.tmp"
mkdir -p "$SHARE/schema.tmp/postgresql" "$SHARE/ui.tmp/config"
cp -R "$SERVER_DIR/schema/postgresql/v12" "$SHARE/schema.tmp/postgresql/v12"
cp "$UI_DIR/config/docker.yaml" "$SHARE/ui.tmp/config/docker.yaml"
chmod -R u+w "$SHARE/schema.tmp" "$SHARE/ui.tmp" # the module cache is read-only
rm -rf "$SHARE/schema" "$SHARE/ui"
mv "$SHARE/schema.tmp" "$SHARE/schema"
mv "$SHARE/ui.tmp" "$SHARE/ui"

echo "$STAMP" >"$BIN/.stamp"
log "$("$BIN/temporal-server" --version 2>&1 | head -n1), $("$BIN/temporal-ui-server" --version 2>&1 | head -n1) in $BIN; total $(($(date +%s) - T0))s"
