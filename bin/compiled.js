// Runs an entry point (src/entrypoints/<name>): its compiled JavaScript in dist/js when that
// was built from the sources as they are now (`npm run build`, also run by `npm install`),
// else the TypeScript source through tsx. Never a stale build: the build records a stamp of
// the sources (path, size, modification time of each), and any edit, checkout or new file
// changes it. Plain JavaScript, as bin/migrate-identity.js.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import module from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const COMPILED_DIR = join(ROOT, 'dist', 'js');
const STAMP_FILE = join(COMPILED_DIR, 'sources.stamp');
const SOURCE_DIRS = ['src', 'workflows', 'activities', 'slack'];
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json'];

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

/** The stamp of the sources as they are now. */
export function sourcesStamp() {
  const hash = createHash('sha256');
  const paths = [
    ...SOURCE_DIRS.flatMap((dir) => [...files(join(ROOT, dir))]),
    ...CONFIG_FILES.map((f) => join(ROOT, f)),
  ];
  for (const path of paths.sort()) {
    const stat = statSync(path, { throwIfNoEntry: false });
    hash.update(`${path.slice(ROOT.length)} ${stat?.size ?? -1} ${stat?.mtimeMs ?? -1}\n`);
  }
  return hash.digest('hex');
}

function compiledIsCurrent(entry) {
  try {
    return existsSync(entry) && readFileSync(STAMP_FILE, 'utf8').trim() === sourcesStamp();
  } catch {
    return false;
  }
}

/**
 * Node's cache of compiled modules (Node >= 22.1), beside the provisioned tools: the next run
 * skips most of the compiling of the Temporal SDK, gRPC and protobuf (a fifth of what a CLI
 * command or `npm start` spends before it does anything). Keyed on each file's contents,
 * never stale; NODE_COMPILE_CACHE moves it, NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 */
function enableCompileCache() {
  if (typeof module.enableCompileCache !== 'function') return;
  const cache = process.env.MIGRATE_IDENTITY_CACHE || join(homedir(), '.cache', 'migrate-identity');
  try {
    module.enableCompileCache(process.env.NODE_COMPILE_CACHE || join(cache, 'node-compile-cache'));
  } catch {
    // A cache that cannot be written only costs the time it would have saved.
  }
}

/** Imports src/entrypoints/<name>: compiled when current, else from source through tsx. */
export async function runEntry(name) {
  enableCompileCache();
  const compiled = join(COMPILED_DIR, 'src', 'entrypoints', `${name}.js`);
  if (process.env.MIGRATE_IDENTITY_FROM_SOURCE !== '1' && compiledIsCurrent(compiled)) {
    await import(pathToFileURL(compiled).href);
    return;
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(ROOT, 'src', 'entrypoints', `${name}.ts`)).href);
}

// `node bin/compiled.js --stamp`: the build records it before it compiles.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--stamp') {
  console.log(sourcesStamp());
}
