import type { Logger, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { bundleWorkflows, PROJECT_ROOT, WORKFLOWS_PATH } from './worker.js';

/*
 * The workflow bundle, built once and kept in dist/ (webpack takes seconds at every worker
 * start otherwise). It is keyed on a hash of the workflow sources — workflows/index.ts and
 * every file it imports, followed through relative imports — with the bundler settings and
 * the workflow SDK's version: a bundle of other sources is never used, it is rebuilt.
 */

const ROOT = PROJECT_ROOT;
export const PREBUILT_BUNDLE_PATH = join(ROOT, 'dist', 'workflow-bundle.json');
const FORMAT = 1;

/** The bundler settings (webpack hook, interceptor modules) live in worker.ts: a change there is a new bundle. */
const BUNDLER_SETTINGS = join(PROJECT_ROOT, 'src', 'temporal', 'worker.ts');
const SDK_PACKAGES = ['@temporalio/workflow', '@temporalio/worker', '@temporalio/interceptors-opentelemetry'];

const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** The entry and every file it reaches through relative imports (`./x.js` is `./x.ts` on disk), sorted. */
export function workflowSourceFiles(entry: string = WORKFLOWS_PATH): string[] {
  const seen = new Set<string>();
  const pending = [resolve(entry)];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
      const target = resolve(dirname(file), specifier ?? '');
      const candidates = [target.replace(/\.js$/, '.ts'), target, `${target}.ts`];
      const found = candidates.find((c) => existsSync(c) && /\.[cm]?[jt]s$/.test(c));
      if (found) pending.push(found);
    }
  }
  return [...seen].sort();
}

function sdkVersion(name: string, root: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}

/** The key of a bundle of `entry`: its sources' contents, the bundler settings, the SDK's versions. */
export function workflowSourcesHash(
  entry: string = WORKFLOWS_PATH,
  extra: { files?: string[]; root?: string } = {},
): string {
  const hash = createHash('sha256');
  hash.update(`format ${FORMAT}\n`);
  for (const file of [...workflowSourceFiles(entry), ...(extra.files ?? [BUNDLER_SETTINGS])]) {
    hash.update(`${file.startsWith(ROOT) ? file.slice(ROOT.length) : file}\n`);
    hash.update(readFileSync(file));
  }
  for (const name of SDK_PACKAGES) hash.update(`${name}@${sdkVersion(name, extra.root ?? ROOT)}\n`);
  return hash.digest('hex');
}

interface StoredBundle extends WorkflowBundleWithSourceMap {
  format: number;
  sourcesHash: string;
}

/** The bundle stored at `path` if it was built from sources with this hash; otherwise none. */
export function readPrebuiltBundle(path: string, sourcesHash: string): WorkflowBundleWithSourceMap | undefined {
  let stored: Partial<StoredBundle>;
  try {
    stored = JSON.parse(readFileSync(path, 'utf8')) as Partial<StoredBundle>;
  } catch {
    return undefined;
  }
  if (stored.format !== FORMAT || stored.sourcesHash !== sourcesHash) return undefined;
  if (typeof stored.code !== 'string' || typeof stored.sourceMap !== 'string') return undefined;
  return { code: stored.code, sourceMap: stored.sourceMap };
}

/** Stores a bundle under its sources' hash; written whole (temporary file, then rename). */
export function writePrebuiltBundle(path: string, sourcesHash: string, bundle: WorkflowBundleWithSourceMap): void {
  mkdirSync(dirname(path), { recursive: true });
  const stored: StoredBundle = { format: FORMAT, sourcesHash, code: bundle.code, sourceMap: bundle.sourceMap };
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(stored));
  renameSync(temporary, path);
}

/**
 * The workflow bundle for the worker: the prebuilt one when it is current, else a fresh
 * bundle, stored for the next start when dist/ is writable (a read-only image has its
 * bundle built in; then nothing is written).
 */
export async function currentWorkflowBundle(
  options: { logger?: Logger; log?: (line: string) => void; path?: string } = {},
): Promise<WorkflowBundleWithSourceMap> {
  const path = options.path ?? PREBUILT_BUNDLE_PATH;
  const sourcesHash = workflowSourcesHash();
  const prebuilt = readPrebuiltBundle(path, sourcesHash);
  if (prebuilt) return prebuilt;
  options.log?.('bundling the workflow code (once per change of workflows/)…');
  const bundle = await bundleWorkflows({ logger: options.logger });
  try {
    writePrebuiltBundle(path, sourcesHash, bundle);
  } catch (err) {
    options.log?.(`workflow bundle not stored (${(err as Error).message}): the next start bundles again`);
  }
  return bundle;
}
