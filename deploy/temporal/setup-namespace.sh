#!/bin/sh
# One-shot (docker-compose service temporal-setup, temporalio/admin-tools image): creates
# the namespace and registers the search attributes the workflow sets (MigrationPhase,
# ServiceAccount, CampaignId, …; workflows/search-attributes.ts), then waits until list queries
# accept them, so the worker and the bot start against a server that takes their runs.
# Idempotent: existing namespaces and attributes are left as they are.
set -eu

: "${TEMPORAL_ADDRESS:?}" "${SEARCH_ATTRIBUTES:?name=Type pairs, space separated}"
NAMESPACE="${NAMESPACE:-default}"
RETENTION="${NAMESPACE_RETENTION:-30d}"

# Runs "$@" until it succeeds, at most 30 times, 2 s apart (a new namespace takes a few
# seconds to reach every service).
retry() {
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge 30 ]; then
      echo "giving up after $attempt attempts: $*" >&2
      return 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
}

retry temporal operator cluster health
if temporal operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE exists"
else
  retry temporal operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION"
fi

registered() {
  temporal operator search-attribute list --namespace "$NAMESPACE" | grep -qw "$1"
}

filter=""
for pair in $SEARCH_ATTRIBUTES; do
  name=${pair%%=*}
  type=${pair#*=}
  if registered "$name"; then
    echo "search attribute $name exists"
  else
    retry temporal operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type "$type"
  fi
  filter="${filter:+$filter AND }$name = 'setup-probe'"
done

# The frontend caches search attributes: a list query naming all of them succeeds once
# every one is usable, in queries and in the workflow starts that set them.
retry temporal workflow list --namespace "$NAMESPACE" --query "$filter" --limit 1 >/dev/null
echo "namespace $NAMESPACE ready with search attributes: $SEARCH_ATTRIBUTES"
