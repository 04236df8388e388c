#!/usr/bin/env bash
# Builds helm for the chart tests (test/deploy/helm*.test.ts) from the Go module proxy
# only (tools/helm/go.mod pins the version), and fetches the ServiceMonitor CRD the tests
# install into the test API server, from the prometheus-operator module on the same proxy.
# Everything (module cache, build cache, binary) lives under
#   ${MIGRATE_IDENTITY_CACHE:-$HOME/.cache/migrate-identity}/helm
# Idempotent: with go.mod/go.sum unchanged and the binary present it does nothing and
# takes well under a second. Prints only progress and timing (the Go tool's output goes to
# $CACHE/logs/build.log and is shown only on failure).
#
# Env: HELM_BUILD_PARALLELISM (go build -p, default: nproc), HELM_PROVISION_FORCE=1 to rebuild.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE="$ROOT/tools/helm"
CACHE="${MIGRATE_IDENTITY_CACHE:-$HOME/.cache/migrate-identity}/helm"
BIN="$CACHE/bin"
SHARE="$CACHE/share"
LOGS="$CACHE/logs"
mkdir -p "$BIN" "$SHARE" "$LOGS"

# The CRD's module is not a dependency of helm: its version and go.sum hash are pinned here.
PROMETHEUS_OPERATOR="github.com/prometheus-operator/prometheus-operator"
PROMETHEUS_OPERATOR_VERSION="v0.85.0"
PROMETHEUS_OPERATOR_SUM="h1:M5xLCLEoaW2IJfnuCwFzzpL+jSVQu3KGT84Pye+fW8s="
SERVICE_MONITOR_CRD="example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"

TOOL=provision-helm PARALLELISM_VAR=HELM_BUILD_PARALLELISM
# shellcheck source=lib/go-build-env.sh
source "$ROOT/scripts/lib/go-build-env.sh"

T0=$(date +%s)
log() { echo "provision-helm: $*"; }
required_version() { go_required_version "$MODULE/go.mod" "$1"; }

# The inputs that decide the binary and the CRD.
STAMP="$({
  cd "$MODULE"
  cat go.mod go.sum
  go env GOVERSION
  echo "$PROMETHEUS_OPERATOR@$PROMETHEUS_OPERATOR_VERSION $PROMETHEUS_OPERATOR_SUM"
} | sha256sum | cut -d' ' -f1)"
if [[ "$STAMP" == "$(cat "$BIN/.stamp" 2>/dev/null || true)" && -x "$BIN/helm" &&
  -f "$SHARE/servicemonitors.crd.yaml" && "${HELM_PROVISION_FORCE:-0}" != 1 ]]; then
  log "up to date ($BIN/helm)"
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

# What helm's Makefile stamps in: its version, and the Kubernetes version it reports as
# .Capabilities.KubeVersion (its client-go's minor, as 1.x).
HELM_VERSION="$(required_version helm.sh/helm/v3)"
CLIENT_GO="$(required_version k8s.io/client-go)" # v0.M.P
KUBE_MINOR="$(cut -d. -f2 <<<"$CLIENT_GO")"
LDFLAGS="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  LDFLAGS+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$KUBE_MINOR"
done

TB=$(date +%s)
log "compiling helm $HELM_VERSION with -p $PARALLELISM..."
(cd "$MODULE" && go build -p "$PARALLELISM" -trimpath -ldflags="$LDFLAGS" -o "$BIN/helm.tmp" helm.sh/helm/v3/cmd/helm) \
  >>"$LOGF" 2>&1 || fail "building helm"
mv -f "$BIN/helm.tmp" "$BIN/helm"
log "built helm in $(($(date +%s) - TB))s"

CRD_JSON="$(cd "$MODULE" && go mod download -json "$PROMETHEUS_OPERATOR@$PROMETHEUS_OPERATOR_VERSION" 2>>"$LOGF")" ||
  fail "downloading $PROMETHEUS_OPERATOR"
grep -qF "\"Sum\": \"$PROMETHEUS_OPERATOR_SUM\"" <<<"$CRD_JSON" || {
  echo "$CRD_JSON" >>"$LOGF"
  fail "checking the hash of $PROMETHEUS_OPERATOR@$PROMETHEUS_OPERATOR_VERSION"
}
CRD_DIR="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$CRD_JSON")"
cp -f "$CRD_DIR/$SERVICE_MONITOR_CRD" "$SHARE/servicemonitors.crd.yaml.tmp"
mv -f "$SHARE/servicemonitors.crd.yaml.tmp" "$SHARE/servicemonitors.crd.yaml"

echo "$STAMP" >"$BIN/.stamp"
log "$("$BIN/helm" version --short) in $BIN; total $(($(date +%s) - T0))s"
