# Sourced by the provision scripts that build tools from the Go module proxy.
# Expects: CACHE (this tool's cache directory), TOOL (its name, for messages) and
# PARALLELISM_VAR (the env variable that overrides `go build -p`).
# Sets: the Go toolchain on PATH, a module and build cache under $CACHE, reproducible
# flags, PARALLELISM, and `go_required_version <go.mod> <module>`.

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
