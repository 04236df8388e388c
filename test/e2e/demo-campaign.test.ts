import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CampaignState } from '../../src/domain/campaign.js';
import { demoEnv, runCliProcess } from '../support/cli-process.js';

test('npm run demo -- campaign: slices, then the shop namespace wave by wave, end to end on the sandbox', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'migrate-identity-demo-campaign-'));
  try {
    // The embedded sandbox with quicker pods: the same demo, in less time.
    const fleetFile = join(dataDir, 'fleet.yaml');
    writeFileSync(fleetFile, 'mode: sandbox\nsandbox:\n  consistencyDelayMs: 1000\n  podStartMs: 50\n');
    const env = await demoEnv(dataDir, { MIGRATE_IDENTITY_FLEET_FILE: fleetFile });
    const result = await runCliProcess(['demo', 'campaign', '--yes', '--json'], env);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /Wave 1 \(1\): lowest blast radius/);
    assert.match(result.stdout, /⚑ shop\/recommend .*\[shared-role\]/);
    assert.match(result.stdout, /payments\/reconciler .*: policy keeps namespace payments on IRSA/);
    assert.match(result.stdout, /demo passed/);
    assert.match(
      result.stdout,
      /shop\/catalog: observing/,
      'a migration that cleaned up observes, and the campaign says so',
    );
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
