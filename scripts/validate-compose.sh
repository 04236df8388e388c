#!/usr/bin/env bash
# Checks docker-compose.yml without a Docker engine:
#   - `docker-compose config -q`: schema, interpolation, anchors, env_file (Debian's
#     docker-compose package is installed when no docker-compose is on PATH);
#   - every published port is bound to 127.0.0.1;
#   - the search attributes registered by the stack are the ones the workflow sets
#     (workflows/search-attributes.ts), with the same types;
#   - the one-shot setup scripts parse (`sh -n`).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v docker-compose >/dev/null; then
  sudo_cmd=()
  [[ "$(id -u)" -ne 0 ]] && sudo_cmd=(sudo)
  echo "installing Debian's docker-compose package" >&2
  "${sudo_cmd[@]}" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends docker-compose >&2
fi

# The stack reads .env (env_file and ${…} defaults); a fresh checkout has none.
if [[ ! -f .env ]]; then
  : >.env
  trap 'rm -f .env' EXIT
fi

failed=0
fail() {
  echo "validate-compose: $*" >&2
  failed=1
}

if ! docker-compose -f docker-compose.yml config -q; then
  echo "validate-compose: docker-compose config reports errors (above)" >&2
  exit 1
fi

# Structure, on the resolved file: ports on 127.0.0.1 only, and the registered search
# attributes equal to the ones the workflow code defines (imported, not copied).
docker-compose -f docker-compose.yml --profile slack config | node --import tsx --input-type=module -e '
  import { readFileSync } from "node:fs";
  import { parse } from "yaml";
  import { SEARCH_ATTRIBUTES } from "./workflows/search-attributes.ts";
  const { services } = parse(readFileSync(0, "utf8"));
  const problems = [];
  for (const [name, service] of Object.entries(services)) {
    for (const port of service.ports ?? []) {
      const host = typeof port === "string" ? port.split(":").slice(0, -2).join(":") : port.host_ip;
      if (host !== "127.0.0.1") problems.push(`${name}: port ${JSON.stringify(port)} is not bound to 127.0.0.1`);
    }
  }
  const typeName = { KEYWORD: "Keyword", KEYWORD_LIST: "KeywordList" };
  const expected = SEARCH_ATTRIBUTES.map((k) => `${k.name}=${typeName[k.type] ?? k.type}`).sort();
  const registered = String(services["temporal-setup"]?.environment?.SEARCH_ATTRIBUTES ?? "").split(/\s+/).filter(Boolean).sort();
  if (expected.join(" ") !== registered.join(" "))
    problems.push(`search attributes: the workflow sets [${expected}], the stack registers [${registered}]`);
  for (const p of problems) console.error(`validate-compose: ${p}`);
  process.exit(problems.length ? 1 : 0);
' || fail "the resolved stack breaks a rule above"

for script in deploy/temporal/*.sh; do
  sh -n "$script" || fail "$script does not parse"
done

if [[ "$failed" -ne 0 ]]; then exit 1; fi
echo "docker-compose.yml is valid: $(docker-compose -f docker-compose.yml --profile slack config --services | tr '\n' ' ')"
