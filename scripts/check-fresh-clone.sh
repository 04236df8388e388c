#!/usr/bin/env bash
# The README's first commands as a new user runs them: a clean clone of this checkout's HEAD
# (commit first), with the machine's own Node first on PATH (older than 22 on our machines):
#   1. `npm install` (the README's first command; the lockfile keeps it to the same tree)
#   2. `npm run demo -- --yes --json` exits 0 and its last line says the run Completed
#   3. `npm start` reaches "migrate-identity is running", then Ctrl-C (SIGINT to its process
#      group, as a terminal sends it) stops it: its handler runs, it prints nothing after
#      "stopping…", every process of the job exits, and the ports are free again
# Node 22 and the Temporal CLI come through the npm scripts' own provisioning, so the caches
# are reused: npm's, and $MIGRATE_IDENTITY_CACHE (point both at empty directories, e.g.
# MIGRATE_IDENTITY_CACHE=$(mktemp -d) npm_config_cache=$(mktemp -d), for a laptop that has
# never run it). Servers listen on free ports of 127.0.0.1.
# FRESH_CLONE_PATH sets the PATH to use (.ci/run passes the one it started with).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
user_path="${FRESH_CLONE_PATH:-$PATH}"
START_TIMEOUT=180
STOP_TIMEOUT=30
work="$(mktemp -d "${TMPDIR:-/tmp}/migrate-identity-fresh.XXXXXX")"
start_pid=""

cleanup() {
  [[ -n "$start_pid" ]] && kill -KILL -- "-$start_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "fresh clone: $1" >&2
  exit 1
}

# Ports are chosen first and bound later: below the kernel's ephemeral range, as in k8s-up.sh.
ephemeral_low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
((ephemeral_low > 12000)) || ephemeral_low=32768
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((10000 + RANDOM % (ephemeral_low - 10000)))
    listening "$p" || {
      echo "$p"
      return 0
    }
  done
  fail "no free port on 127.0.0.1"
}

as_user() { env PATH="$user_path" "$@"; }
seconds_since() { echo $(($(date +%s) - $1)); }

git clone --quiet "$root" "$work/repo"
cd "$work/repo"
echo "fresh clone of $(git rev-parse --short HEAD), $(as_user node --version 2>/dev/null || echo 'no node') first on PATH"

t=$(date +%s)
as_user npm install --no-audit --no-fund --prefer-offline >"$work/npm-install.log" 2>&1 \
  || { tail -n 20 "$work/npm-install.log" >&2; fail "npm install failed"; }
git diff --quiet -- package-lock.json || fail "npm install changed package-lock.json: the lockfile is out of date"
echo "npm install: $(seconds_since "$t") s"

export TEMPORAL_ADDRESS="127.0.0.1:$(free_port)"
export TEMPORAL_UI_URL="http://127.0.0.1:$(free_port)"
# The user's own Temporal CLI, if any, must not hide the provisioning under test.
unset TEMPORAL_CLI_PATH MIGRATE_IDENTITY_SKIP_PROVISION MIGRATE_IDENTITY_DATA_DIR

t=$(date +%s)
if ! as_user npm run --silent demo -- --yes --json >"$work/demo.out" 2>"$work/demo.err"; then
  tail -n 20 "$work/demo.out" "$work/demo.err" >&2
  fail "npm run demo -- --yes --json failed"
fi
phase="$(tail -n 1 "$work/demo.out" | as_user node -e '
  let text = "";
  process.stdin.on("data", (d) => (text += d)).on("end", () => {
    try { console.log(JSON.parse(text).phase); } catch { console.log("(not JSON)"); }
  });')"
[[ "$phase" == "Completed" ]] || { tail -n 5 "$work/demo.out" >&2; fail "the demo's last line says phase $phase, not Completed"; }
echo "npm run demo -- --yes --json: Completed in $(seconds_since "$t") s"
[[ -s "$work/demo.err" ]] && { echo "  (stderr:)"; sed 's/^/  /' "$work/demo.err"; }

# A fresh Temporal on other ports, so `npm start` starts its own dev server.
export TEMPORAL_ADDRESS="127.0.0.1:$(free_port)"
export TEMPORAL_UI_URL="http://127.0.0.1:$(free_port)"
t=$(date +%s)
set -m # the background job gets a process group of its own, like a terminal's foreground job
as_user npm start >"$work/start.log" 2>&1 &
start_pid=$!
set +m
until grep -qs "migrate-identity is running" "$work/start.log"; do
  kill -0 "$start_pid" 2>/dev/null || { cat "$work/start.log" >&2; fail "npm start exited before it was running"; }
  (($(seconds_since "$t") < START_TIMEOUT)) || { cat "$work/start.log" >&2; fail "npm start not running after $START_TIMEOUT s"; }
  sleep 1
done
echo "npm start: running in $(seconds_since "$t") s"

t=$(date +%s)
kill -INT -- "-$start_pid"
# Every process of the job (npm, node, the dev server) must be gone, not only npm.
while kill -0 -- "-$start_pid" 2>/dev/null; do
  (($(seconds_since "$t") < STOP_TIMEOUT)) || { cat "$work/start.log" >&2; fail "npm start still running $STOP_TIMEOUT s after Ctrl-C"; }
  sleep 1
done
code=0
wait "$start_pid" || code=$?
start_pid=""
# npm answers its own SIGINT with 130, as in a terminal; the app must have stopped without error.
((code == 0 || code == 130)) || { cat "$work/start.log" >&2; fail "npm start exited $code after Ctrl-C"; }
grep -q "^stopping…$" "$work/start.log" || { cat "$work/start.log" >&2; fail "npm start did not stop through its Ctrl-C handler"; }
# The terminal's SIGINT reaches the dev server too, which may log (in logfmt) the requests
# its shutdown cancelled, and may exit before the worker's last shutdown call reaches it,
# which the Temporal core reports as a WARN ("shutdown_worker rpc errored during worker
# shutdown"): the worker stops either way. Anything else after "stopping…" is ours: an
# error while stopping.
if sed '1,/^stopping…$/d' "$work/start.log" | grep -v '^time=[^ ]* level=' |
  grep -v 'WARN.*shutdown_worker rpc errored during worker shutdown' | grep -q .; then
  cat "$work/start.log" >&2
  fail "npm start printed something after 'stopping…' (an error while stopping?)"
fi
port="${TEMPORAL_ADDRESS##*:}"
ui_port="${TEMPORAL_UI_URL##*:}"
listening "$port" && fail "port $port still answers after npm start stopped"
listening "$ui_port" && fail "UI port $ui_port still answers after npm start stopped"
echo "npm start: stopped cleanly on Ctrl-C in $(seconds_since "$t") s"
