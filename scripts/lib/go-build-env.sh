# Sourced by the provision scripts that build tools from the Go module proxy.
# Expects: CACHE (this tool's cache directory), TOOL (its name, for messages) and
# PARALLELISM_VAR (the env variable that overrides `go build -p`).
# Sets: the Go toolchain on PATH, a module and build cache under $CACHE, reproducible
# flags, PARALLELISM, T0 and `log`, and the build steps every such script takes:
# `go_required_version <go.mod> <module>`, `module_stamp <dir> [extra lines]`,
# `begin_build_log <file>`, `fail <what>` and `download_modules <dir>`.

if ! command -v go >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then
    export PATH="/usr/local/go/bin:$PATH"
  else
    echo "$TOOL: the Go toolchain (go >= 1.26) is required" >&2
    exit 1
  fi
fi

export GOMODCACHE="$CACHE/gomod"
export GOCACHE="$CACHE/gocache"
export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0
export GOTOOLCHAIN=local
PARALLELISM="${!PARALLELISM_VAR:-$(nproc 2>/dev/null || echo 2)}"

# The version of a module as a go.mod requires it (single-line or block form).
go_required_version() { awk -v m="$2" '$1 == m { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$1"; }

T0=$(date +%s)
log() { echo "$TOOL: $*"; }

# The inputs that decide a build: the module's go.mod and go.sum, the Go version, and the
# extra lines given (what else the outputs depend on). Prints a sha256.
module_stamp() {
  local dir="$1"
  shift
  {
    cat "$dir/go.mod" "$dir/go.sum"
    (cd "$dir" && go env GOVERSION)
    printf '%s\n' "$@"
  } | sha256sum | cut -d' ' -f1
}

# The Go tool's output goes to one log, shown only when a step fails.
LOGF=""
begin_build_log() {
  LOGF="$1"
  : >"$LOGF"
}
fail() {
  log "$1 FAILED, see $LOGF"
  tail -n 40 "$LOGF" >&2
  exit 1
}
download_modules() {
  log "downloading modules..."
  (cd "$1" && go mod download) >>"$LOGF" 2>&1 || fail "module download"
  log "modules ready in $(($(date +%s) - T0))s"
}
