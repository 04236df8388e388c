#!/usr/bin/env bash
# PostgreSQL for the production-shaped stack test (test/stack/): the server programs of
# Debian's `postgresql` package (initdb, postgres, pg_ctl, psql in /usr/lib/postgresql/<major>/bin).
# The test starts a throwaway server of its own on 127.0.0.1 with its data in a temp dir
# (as the package's `postgres` user when run as root: PostgreSQL refuses root). This script
# only makes sure the programs are there: it installs the package when no initdb/pg_ctl is
# found, and is a no-op otherwise. (Installing it also creates Debian's `main` cluster,
# which the tests never touch.)
# Prints the bin directory on stdout. POSTGRES_BIN_DIR: use another installation.
set -euo pipefail

if [[ -n "${POSTGRES_BIN_DIR:-}" ]]; then
  echo "$POSTGRES_BIN_DIR"
  exit 0
fi

# The newest major version that has the server programs.
find_bin() {
  local dir
  for dir in $(compgen -G '/usr/lib/postgresql/*/bin' | sort -t/ -k5,5nr); do
    if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

check_user() {
  if [[ "$(id -u)" -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
    echo "provision-postgres: running as root, and there is no \`postgres\` user for the test to run PostgreSQL as (it refuses root): create one (useradd --system postgres) or run the tests as an unprivileged user" >&2
    exit 1
  fi
}

if dir="$(find_bin)"; then
  check_user
  echo "$dir"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "provision-postgres: no PostgreSQL server in /usr/lib/postgresql/*/bin and no apt-get to install Debian's: install PostgreSQL >= 12 and set POSTGRES_BIN_DIR to its bin directory" >&2
  exit 1
fi
t=$(date +%s)
sudo_cmd=()
[[ "$(id -u)" -ne 0 ]] && sudo_cmd=(sudo)
echo "provision-postgres: installing Debian's postgresql package" >&2
"${sudo_cmd[@]}" apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends postgresql >&2
dir="$(find_bin)" || {
  echo "provision-postgres: the postgresql package is installed but /usr/lib/postgresql/*/bin has no initdb" >&2
  exit 1
}
check_user
echo "provision-postgres: $("$dir/postgres" --version) in $(($(date +%s) - t))s" >&2
echo "$dir"
