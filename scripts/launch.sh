#!/usr/bin/env bash
# Runs a command with a Node.js >= 22.19 first on PATH, whatever Node the machine has:
#   bash scripts/launch.sh [--temporal-cli] node bin/run-entry.js start …
# The npm scripts (start, demo, cli, worker, bot, test) and bin/migrate-identity.js go
# through it (the bin only when something is not in place yet: bin/launch-fast.js). It gets
# Node 22 from scripts/provision-node.sh and, with --temporal-cli, the Temporal CLI from
# scripts/provision-temporal.sh (exported as TEMPORAL_CLI_PATH, so the dev server never comes
# from the SDK's download) — the same cached provisioning .ci/run and `npm test` use. Then
# it execs the command. Problems are one line on stderr, exit 1.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
with_temporal_cli=false
if [[ "${1:-}" == "--temporal-cli" ]]; then
  with_temporal_cli=true
  shift
fi
[[ $# -gt 0 ]] || {
  echo "usage: scripts/launch.sh [--temporal-cli] <command> [args...]" >&2
  exit 2
}

if [[ ! -f "$root/node_modules/tsx/package.json" ]]; then
  echo "migrate-identity: the npm packages are not installed: run \`npm install\` in $root first" >&2
  exit 1
fi

node_dir="$(bash "$root/scripts/provision-node.sh")" || exit 1
[[ -n "$node_dir" ]] && export PATH="$node_dir:$PATH"

# An external Temporal (docker-compose, production) or a binary of the user's own needs nothing.
if $with_temporal_cli && [[ -z "${TEMPORAL_CLI_PATH:-}" && "${MIGRATE_IDENTITY_EXTERNAL_TEMPORAL:-}" != "true" ]]; then
  TEMPORAL_CLI_PATH="$(bash "$root/scripts/provision-temporal.sh")" || exit 1
  export TEMPORAL_CLI_PATH
fi

export MIGRATE_IDENTITY_LAUNCHED=1
exec "$@"
