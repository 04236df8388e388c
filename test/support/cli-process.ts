import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './ports.js';
import { temporalCliPath } from './temporal.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as `npm run cli --` runs it, in its own process; its exit code and output. */
export function runCliProcess(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/entrypoints/cli.ts', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The environment of a demo that starts its own dev server, on free ports, with its data in `dataDir`. */
export async function demoEnv(dataDir: string, extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  return {
    ...process.env,
    MIGRATE_IDENTITY_DATA_DIR: dataDir,
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    TEMPORAL_UI_URL: `http://127.0.0.1:${await freePort()}`,
    ...(temporalCliPath() && { TEMPORAL_CLI_PATH: temporalCliPath() }),
    ...extra,
  };
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** The packages `migrate-identity <argv>` loads, run as a process from the entry point. */
export async function packagesLoadedBy(argv: string[], env: Record<string, string>, dir: string) {
  const traceFile = join(dir, `trace-${argv[0] ?? 'none'}.txt`);
  const child = run(
    process.execPath,
    ['--import', 'tsx', '--import', './test/support/package-trace.ts', 'src/entrypoints/cli.ts', ...argv],
    { cwd: root, env: { ...process.env, ...env, PACKAGE_TRACE_FILE: traceFile } },
  );
  const result = await child.then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
  return { ...result, packages: readFileSync(traceFile, 'utf8').split('\n') };
}
