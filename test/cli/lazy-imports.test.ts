import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { packagesLoadedBy } from '../support/cli-process.js';
import { createTimeSkippingEnv } from '../support/temporal.js';

/** `status` is what people run while they wait: it loads the Temporal client and no cloud SDK. */
describe('CLI imports per command', () => {
  let env: TestWorkflowEnvironment;
  let dir: string;
  before(async () => {
    env = await createTimeSkippingEnv();
    dir = mkdtempSync(join(tmpdir(), 'mi-lazy-imports-'));
  });
  after(async () => {
    await env?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  test('status --json loads no AWS SDK, Kubernetes client, Slack SDK or Temporal worker', async () => {
    const vars = { TEMPORAL_ADDRESS: env.address, MIGRATE_IDENTITY_DATA_DIR: dir };
    const r = await packagesLoadedBy(['status', 'payments/reconciler', '--json'], vars, dir);
    // It got as far as asking Temporal, so every import the command needs has happened.
    assert.match(r.stderr, /no migration of payments\/reconciler found/);
    assert.ok(r.packages.includes('@temporalio/client'), r.packages.join(' '));
    const heavy = r.packages.filter((p) =>
      /^(@aws-sdk\/|@smithy\/|@kubernetes\/client-node$|@slack\/|@temporalio\/worker$)/.test(p),
    );
    assert.deepEqual(heavy, []);
  });
});
