#!/usr/bin/env bash
# Stops a control plane started by scripts/k8s-up.sh <dir>: SIGTERM to each component
# (by the pids recorded in <dir>/pids), newest first, then SIGKILL after 10 s.
# Leaves <dir> in place (the caller removes it). Safe to run twice.
set -uo pipefail

DIR="${1:?usage: k8s-down.sh <dir>}"
PIDS="$DIR/pids"
[[ -d "$PIDS" ]] || exit 0

pids=()
for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  f="$PIDS/$name.pid"
  [[ -f "$f" ]] || continue
  pid="$(cat "$f")"
  # only signal the process if it is still the binary that k8s-up.sh started
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
    [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == */"$name"* ]]; then
    kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
  fi
  rm -f "$f"
done

deadline=$((SECONDS + 10))
for pid in "${pids[@]}"; do
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      kill -KILL "$pid" 2>/dev/null
      break
    fi
    sleep 0.1
  done
done
exit 0
