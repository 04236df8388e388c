import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { runCli } from '../../src/cli/main.js';
import { driftSeedFleet } from '../../src/sandbox/drift-seed.js';
import { MigrationService } from '../../src/temporal/migrations.js';
import { SCAN_SCHEDULE_ID, SCAN_WORKFLOW_TYPE } from '../../workflows/scan/messages.js';
import { migrationInput } from '../support/migration-harness.js';
import { fleetScanInput, startScanHarness, type ScanHarness } from '../support/scan-harness.js';
import { createDevServerEnv } from '../support/temporal.js';

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('fleet scans on the dev server: the real Schedule and visibility', () => {
  let env: TestWorkflowEnvironment;
  let h: ScanHarness;
  const completedScans = async () =>
    (await env.client.workflow.count(`WorkflowType = '${SCAN_WORKFLOW_TYPE}' AND ExecutionStatus = 'Completed'`)).count;

  before(async () => {
    env = await createDevServerEnv();
    h = await startScanHarness(env, { seed: driftSeedFleet(), migrationLookup: 'visibility' });
  });
  after(async () => {
    await h?.stop();
    await env?.teardown();
  });

  test('registering the Schedule is idempotent, and follows a changed interval', async () => {
    const input = fleetScanInput();
    assert.equal(await h.scans.ensureSchedule(input, 86_400), 'created');
    assert.equal(await h.scans.ensureSchedule(input, 86_400), 'unchanged');
    assert.equal(await h.scans.ensureSchedule(input, 43_200), 'updated');
    const description = await env.client.schedule.getHandle(SCAN_SCHEDULE_ID).describe();
    assert.equal(description.spec.intervals?.[0]?.every, 43_200_000);
    assert.equal(description.policies.overlap, 'SKIP');
  });

  test('scheduled runs post all drift first, then nothing while nothing changes', async () => {
    const schedule = env.client.schedule.getHandle(SCAN_SCHEDULE_ID);
    // Like the Schedule's own runs (overlap SKIP), so the Schedule hands each run the last result.
    await schedule.trigger(ScheduleOverlapPolicy.SKIP);
    await until(() => Promise.resolve(h.posts.length === 1), 'the first scheduled scan to post');
    assert.equal(h.posts[0]?.newFindings.length, 9);
    assert.match(h.posts[0]?.workflowId ?? '', /^migrate-identity-scan\/scheduled-/);
    await until(async () => (await completedScans()) >= 1, 'the first run to be visible');
    await schedule.trigger(ScheduleOverlapPolicy.SKIP);
    await until(async () => (await completedScans()) >= 2, 'the second scheduled scan to finish');
    assert.equal(h.posts.length, 1, 'the Schedule handed the first result to the second run: nothing new');
    // A plain trigger (the Temporal UI's, overlap ALLOW_ALL) gets no last result from the
    // Schedule: the run finds the last scheduled scan through visibility instead.
    await schedule.trigger();
    await until(async () => (await completedScans()) >= 3, 'the manually triggered scan to finish');
    assert.equal(h.posts.length, 1, 'still nothing new');
    const latest = await h.scans.latest();
    assert.equal(latest?.report.scope.complete, true);
    assert.deepEqual(latest?.report.newFindingKeys, []);
    assert.match(
      latest?.url ?? '',
      /^http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\/migrate-identity-scan%2Fscheduled-/,
    );
  });

  test('a running migration shows on its rows, found by its search attributes', async () => {
    const migrations = new MigrationService(env.client, h.taskQueue, 'http://127.0.0.1:8233');
    const { workflowId } = await migrations.start(
      migrationInput({ consistencyWaitSeconds: 3600 }, { clusters: ['sandbox-a', 'sandbox-b'] }),
    );
    try {
      const report = await until(async () => {
        const { report: scanned } = await h.scans.scan(fleetScanInput({ namespace: 'payments' }));
        const row = scanned.rows.find((r) => r.cluster === 'sandbox-a' && r.serviceAccount === 'reconciler');
        return row?.migrations.length ? scanned : undefined;
      }, 'the migration to be visible to a scan');
      const rowOf = (cluster: string) =>
        report.rows.find((r) => r.cluster === cluster && r.serviceAccount === 'reconciler');
      assert.equal(rowOf('sandbox-a')?.migrations[0]?.workflowId, workflowId);
      assert.equal(rowOf('sandbox-b')?.migrations[0]?.workflowId, workflowId);
      assert.deepEqual(rowOf('sandbox-c')?.migrations, [], 'not one of its clusters');
      assert.equal(report.migrationLookup.available, true);
    } finally {
      // Its rollback would sit out the hour-long consistency wait in real time: just stop it.
      await env.client.workflow.getHandle(workflowId).terminate('test over');
    }
  });

  test('inventory schedule on the command line: create and delete', async () => {
    const vars = { TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: h.taskQueue };
    const cli = async (argv: string[]) => {
      const out: string[] = [];
      const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => out.push(l) }, vars);
      return { code, out: out.join('\n') };
    };
    assert.deepEqual(await cli(['inventory', 'schedule', '--delete']), {
      code: 0,
      out: `schedule ${SCAN_SCHEDULE_ID} deleted`,
    });
    assert.deepEqual(await cli(['inventory', 'schedule', '--every', '6h']), {
      code: 0,
      out: `schedule ${SCAN_SCHEDULE_ID}: scan 4 cluster(s) every 6h (created)`,
    });
    assert.deepEqual(await cli(['inventory', 'schedule', '--every', '6h']), {
      code: 0,
      out: `schedule ${SCAN_SCHEDULE_ID}: scan 4 cluster(s) every 6h (unchanged)`,
    });
    assert.equal((await cli(['inventory', 'schedule', '--delete'])).code, 0);
    assert.deepEqual(await cli(['inventory', 'schedule', '--delete']), {
      code: 0,
      out: `no schedule ${SCAN_SCHEDULE_ID} to delete`,
    });
  });
});
