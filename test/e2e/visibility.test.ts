import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { runCli } from '../../src/cli/main.js';
import type { MigrationSummary } from '../../src/temporal/migrations.js';
import { migrationInput, startHarness, type Harness } from '../support/migration-harness.js';
import { createDevServerEnv } from '../support/temporal.js';

let env: TestWorkflowEnvironment;
let h: Harness;
before(async () => {
  env = await createDevServerEnv();
  h = await startHarness(env);
});
after(async () => {
  await h?.stop();
  await env?.teardown();
});

test('list shows running migrations with their phase (search attributes on the dev server)', async () => {
  const sa = { namespace: 'payments', name: 'reconciler' };
  await h.service.start(migrationInput({ consistencyWaitSeconds: 1, soakSeconds: 1 }));
  let listed: MigrationSummary[] = [];
  // Visibility is eventually consistent: poll briefly.
  for (let i = 0; i < 50 && listed.length === 0; i++) {
    const out: string[] = [];
    const code = await runCli(
      ['list', '--json'],
      { out: (l) => out.push(l), err: (l) => out.push(l) },
      {
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_TASK_QUEUE: h.taskQueue,
      },
    );
    assert.equal(code, 0, out.join('\n'));
    const document = JSON.parse(out.join('')) as { schemaVersion: number; migrations: MigrationSummary[] };
    assert.equal(document.schemaVersion, 1);
    listed = document.migrations;
    if (listed.length === 0) await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(listed.length, 1);
  assert.equal(listed[0]!.serviceAccount, 'payments/reconciler');
  assert.equal(listed[0]!.status, 'RUNNING');
  assert.ok(['Preflight', 'Trust', 'Migrating', 'AwaitingApproval'].includes(listed[0]!.phase), listed[0]!.phase);
  const byAttribute = await env.client.workflow.count(
    `ServiceAccount = "payments/reconciler" AND Clusters = "sandbox-b"`,
  );
  assert.equal(byAttribute.count, 1);
  await h.service.abort(sa, 'test');
  assert.equal((await h.service.result(sa)).phase, 'RolledBack');
});
