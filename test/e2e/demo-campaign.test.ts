import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CampaignState } from '../../src/domain/campaign.js';
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

test('npm run demo -- campaign: slices, then the shop namespace wave by wave, end to end on the sandbox', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'migrate-identity-demo-campaign-'));
  try {
    // The embedded sandbox with quicker pods: the same demo, in less time.
    const fleetFile = join(dataDir, 'fleet.yaml');
    writeFileSync(fleetFile, 'mode: sandbox\nsandbox:\n  consistencyDelayMs: 1000\n  podStartMs: 50\n');
    const env = {
      ...process.env,
      MIGRATE_IDENTITY_DATA_DIR: dataDir,
      MIGRATE_IDENTITY_FLEET_FILE: fleetFile,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      TEMPORAL_UI_URL: `http://127.0.0.1:${await freePort()}`,
      ...(temporalCliPath() && { TEMPORAL_CLI_PATH: temporalCliPath() }),
    };
    const result = await run(['demo', 'campaign', '--yes', '--json'], env);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /Wave 1 \(1\): lowest blast radius/);
    assert.match(result.stdout, /⚑ shop\/recommend .*\[shared-role\]/);
    assert.match(result.stdout, /payments\/reconciler .*: policy keeps namespace payments on IRSA/);
    assert.match(result.stdout, /demo passed/);
    const final = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as CampaignState & {
      schemaVersion: number;
    };
    assert.equal(final.phase, 'Completed');
    assert.deepEqual(
      final.children.map((c) => c.outcome),
      Array<string>(6).fill('Completed'),
    );
    assert.deepEqual(
      final.approvals.map((a) => a.wave),
      [1, 2, 3, 4],
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
