#!/usr/bin/env bash
# Builds the binaries of a local Kubernetes control plane for the tests, from the Go
# module proxy only (no release downloads, no Docker):
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  (tools/k8s/kube)
#   etcd                                                               (tools/k8s/etcd)
#   kwok (fake nodes and pods, no kubelet)                             (tools/k8s/kwok)
# Everything (module cache, build cache, binaries) lives under
#   ${MIGRATE_IDENTITY_CACHE:-$HOME/.cache/migrate-identity}/k8s
# Idempotent: a group whose go.mod/go.sum is unchanged and whose binaries exist is
# skipped, so a warm run takes about a second. Prints only progress and timing (stderr
# of the Go tool goes to $CACHE/logs/*.log and is shown only on failure).
#
# Env: K8S_BUILD_PARALLELISM (go build -p, default: nproc), K8S_PROVISION_FORCE=1 to rebuild.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${MIGRATE_IDENTITY_CACHE:-$HOME/.cache/migrate-identity}/k8s"
BIN="$CACHE/bin"
LOGS="$CACHE/logs"
SHARE="$CACHE/share"
mkdir -p "$BIN" "$LOGS" "$SHARE"

TOOL=provision-k8s PARALLELISM_VAR=K8S_BUILD_PARALLELISM
# shellcheck source=lib/go-build-env.sh
source "$ROOT/scripts/lib/go-build-env.sh"

T0=$(date +%s)
log() { echo "provision-k8s: $*"; }

# version of a module as required by a group's go.mod
required_version() { go_required_version "$ROOT/tools/k8s/$1/go.mod" "$2"; }

# k8s binaries read their version from ldflags (hack/lib/version.sh); without it they
# report v0.0.0-master+$Format:%H$, which clients such as kubectl fail to parse.
KUBE_VERSION="$(required_version kube k8s.io/kubernetes)"
KUBE_MINOR="${KUBE_VERSION#v1.}"
KUBE_MINOR="${KUBE_MINOR%%.*}"
KUBE_LDFLAGS=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  KUBE_LDFLAGS+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$KUBE_MINOR"
  KUBE_LDFLAGS+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

stamp_of() { # the inputs that decide a group's binaries
  (
    cd "$ROOT/tools/k8s/$1"
    cat go.mod go.sum 2>/dev/null
    go env GOVERSION
    echo "${LDFLAGS_EXTRA:-}"
  ) | sha256sum | cut -d' ' -f1
}

# build_group <dir under tools/k8s> <out-name>=<package> ...
build_group() { # extra linker flags in $LDFLAGS_EXTRA
  local group="$1"
  shift
  local stamp_file="$BIN/.stamp-$group" want have missing=0 spec
  want="$(stamp_of "$group")"
  have="$(cat "$stamp_file" 2>/dev/null || true)"
  for spec in "$@"; do
    [[ -x "$BIN/${spec%%=*}" ]] || missing=1
  done
  if [[ "$want" == "$have" && $missing == 0 && "${K8S_PROVISION_FORCE:-0}" != 1 ]]; then
    log "$group: up to date ($(printf '%s ' "${@%%=*}"))"
    return 0
  fi
  local t=$(date +%s) logf="$LOGS/build-$group.log"
  : >"$logf"
  log "$group: downloading modules..."
  if ! (cd "$ROOT/tools/k8s/$group" && go mod download) >>"$logf" 2>&1; then
    log "$group: module download FAILED, see $logf"
    tail -n 40 "$logf" >&2
    return 1
  fi
  log "$group: modules ready in $(($(date +%s) - t))s; compiling with -p $PARALLELISM..."
  for spec in "$@"; do
    local name="${spec%%=*}" pkg="${spec#*=}" tb
    tb=$(date +%s)
    if ! (cd "$ROOT/tools/k8s/$group" &&
      go build -p "$PARALLELISM" -trimpath -ldflags="-s -w ${LDFLAGS_EXTRA:-}" -o "$BIN/$name.tmp" "$pkg") >>"$logf" 2>&1; then
      log "$group: building $name FAILED, see $logf"
      tail -n 40 "$logf" >&2
      return 1
    fi
    mv -f "$BIN/$name.tmp" "$BIN/$name"
    log "$group: built $name in $(($(date +%s) - tb))s"
  done
  echo "$want" >"$stamp_file"
  log "$group: done in $(($(date +%s) - t))s"
}

build_group etcd etcd=go.etcd.io/etcd/server/v3
build_group kwok kwok=sigs.k8s.io/kwok/cmd/kwok
LDFLAGS_EXTRA="$KUBE_LDFLAGS" build_group kube \
  kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver \
  kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager \
  kube-scheduler=k8s.io/kubernetes/cmd/kube-scheduler \
  kubectl=k8s.io/kubernetes/cmd/kubectl

# kwok ships its default node/pod lifecycle "stages" as YAML in its module; the standalone
# kwok binary only loads stages from a config file, so gather the defaults kwokctl uses.
KWOK_DIR="$(cd "$ROOT/tools/k8s/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
STAGES="$SHARE/kwok-stages.yaml.tmp"
: >"$STAGES"
for f in \
  kustomize/stage/node/fast/node-initialize.yaml \
  kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
  kustomize/stage/pod/fast/pod-ready.yaml \
  kustomize/stage/pod/fast/pod-complete.yaml \
  kustomize/stage/pod/fast/pod-delete.yaml; do
  {
    echo "---"
    cat "$KWOK_DIR/$f"
  } >>"$STAGES"
done
mv -f "$STAGES" "$SHARE/kwok-stages.yaml"

log "binaries in $BIN: $(cd "$BIN" && ls | tr '\n' ' ')"
log "total $(($(date +%s) - T0))s"
