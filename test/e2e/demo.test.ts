import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { MigrationState } from '../../src/domain/migration-state.js';
import { demoEnv, runCliProcess } from '../support/cli-process.js';

test('npm run demo: starts the dev server and worker itself and completes on the sandbox', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'migrate-identity-demo-'));
  try {
    const env = await demoEnv(dataDir);
    const result = await runCliProcess(['demo', '--yes', '--json'], env);
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
    assert.match(result.stdout, /# Change record: payments\/reconciler to EKS Pod Identity/);
    assert.equal(final.observation?.sampleCount, 2, 'the compressed observation: 20 s, a sample every 10 s');
    assert.match(result.stdout, /sandbox-b: verify succeeded: 4 pod\(s\) on pod-identity; caller identity/);

    // The sandbox state persisted in the data directory: the CLI sees the migrated fleet.
    const show = await runCliProcess(['sandbox', 'show', '--json'], env);
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
