import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { MigrationState } from '../../src/domain/migration-state.js';
import { freePort } from '../support/ports.js';
import { temporalCliPath } from '../support/temporal.js';

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

test('npm run demo: starts the dev server and worker itself and completes on the sandbox', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'migrate-identity-demo-'));
  try {
    const env = {
      ...process.env,
      MIGRATE_IDENTITY_DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      TEMPORAL_UI_URL: `http://127.0.0.1:${await freePort()}`,
      ...(temporalCliPath() && { TEMPORAL_CLI_PATH: temporalCliPath() }),
    };
    const result = await run(['demo', '--yes', '--json'], env);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const lines = result.stdout.trim().split('\n');
    const final = JSON.parse(lines.at(-1) ?? '') as MigrationState & { schemaVersion: number };
    assert.equal(final.schemaVersion, 1);
    assert.equal(final.phase, 'Completed');
    assert.deepEqual(
      final.clusters.map((c) => c.status),
      ['cleaned', 'cleaned', 'cleaned'],
    );
    assert.match(result.stdout, /demo passed/);
    assert.match(result.stdout, /sandbox-b: verify succeeded: 4 pod\(s\) on pod-identity; caller identity/);

    // The sandbox state persisted in the data directory: the CLI sees the migrated fleet.
    const show = await run(['sandbox', 'show', '--json'], env);
    assert.equal(show.code, 0, show.stderr);
    const fleet = JSON.parse(show.stdout) as { associations: { cluster: string }[] };
    assert.deepEqual(
      fleet.associations
        .filter((a) => a.cluster.startsWith('sandbox-'))
        .map((a) => a.cluster)
        .sort(),
      ['sandbox-a', 'sandbox-b', 'sandbox-c'],
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
