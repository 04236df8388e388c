#!/bin/sh
# One-shot (docker-compose service temporal-schema, temporalio/admin-tools image): creates
# Temporal's schemas in PostgreSQL or upgrades them to this admin-tools version. Runs on
# every `up`: setup-schema leaves an already versioned database alone and update-schema
# applies only the migrations newer than the stored version.
set -eu

: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
# The admin-tools image carries the schemas here; the stack test passes the server module's.
SCHEMA_DIR="${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"

sql_tool() {
  database=$1
  shift
  temporal-sql-tool --plugin postgres12 --endpoint "$POSTGRES_SEEDS" --port "${DB_PORT:-5432}" \
    --user "$POSTGRES_USER" --database "$database" "$@"
}

for database in temporal:temporal temporal_visibility:visibility; do
  name=${database%%:*}
  dir=${database#*:}
  echo "schema of $name"
  sql_tool "$name" setup-schema -v 0.0
  sql_tool "$name" update-schema -d "$SCHEMA_DIR/$dir/versioned"
done
