import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { clustersOf } from '../../src/domain/migration-digest.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import type { Notification, NotifierPort } from '../../src/ports/notifier.js';
import { decisionUpdate, notifyTargetSignal } from '../../workflows/messages.js';
import { advanceUntil, APPROVER, endRoleLock, migrationInput, startHarness } from '../support/migration-harness.js';
import { createTimeSkippingEnv } from '../support/temporal.js';

const SA = { namespace: 'payments', name: 'reconciler' };
const PARENT_TS = '1700000000.000100';

/** A notifier that keeps every notification and, like Slack's, returns the parent ts from the first. */
function recorder(seen: Notification[]): NotifierPort {
  return {
    notify: (notification) => {
      seen.push(notification);
      return Promise.resolve(seen.length === 1 ? { threadTs: PARENT_TS } : {});
    },
  };
}

describe('migration workflow: notifications', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  test('each carries the Slack thread kept in state and a digest of the run, never its step history', async () => {
    const seen: Notification[] = [];
    const h = await startHarness(env, { notifier: recorder(seen) });
    try {
      const notify = { slack: { channel: 'C0CHANNEL', teamId: 'T0TEAM' } };
      const input = migrationInput({ soakSeconds: 0 }, { notify });
      await h.service.start(input);
      const handle = env.client.workflow.getHandle(workflowIdFor(SA));
      await advanceUntil(env, handle, (s) => s.phase === 'AwaitingApproval');
      await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'approve', by: APPROVER }] });
      const final = await h.service.result(SA);
      assert.equal(final.phase, 'Completed', JSON.stringify(final.failure));

      const thread = { channel: 'C0CHANNEL', teamId: 'T0TEAM', threadTs: PARENT_TS };
      assert.deepEqual(seen[0]?.slackThread, notify.slack, 'the first event has no parent yet');
      for (const n of seen.slice(1)) assert.deepEqual(n.slackThread, thread, `${n.kind}: ${n.text}`);
      assert.deepEqual(final.slackThread, thread);
      assert.deepEqual(final.input.notify, notify, 'the input stays as the run was started');

      const last = seen.at(-1)!;
      assert.equal(last.kind, 'finished');
      assert.equal(last.migration.phase, 'Completed');
      assert.deepEqual(
        clustersOf(last.migration),
        final.clusters.map(({ cluster, status, steps }) => {
          const { step, status: stepStatus } = steps.at(-1)!;
          return { cluster, status, lastStep: { step, status: stepStatus } };
        }),
      );
      assert.equal(last.migration.clusterGroups.length, 1, 'three clusters at the same point: one group');
      assert.equal(last.migration.warningCount, final.warnings.length);
      for (const n of seen) assert.doesNotMatch(JSON.stringify(n), /"steps"|"rollbackNote"/, n.kind);
      assert.deepEqual(
        seen.filter((n) => n.findings).map((n) => n.kind),
        ['preflight'],
        'findings only where they are listed',
      );
    } finally {
      await h.stop();
      await endRoleLock(env);
    }
  });

  test('the notifyTarget signal moves later notifications to the thread it names', async () => {
    const seen: Notification[] = [];
    const h = await startHarness(env, { notifier: recorder(seen) });
    try {
      await h.service.start(migrationInput({ soakSeconds: 0 }));
      const handle = env.client.workflow.getHandle(workflowIdFor(SA));
      await advanceUntil(env, handle, (s) => s.phase === 'Migrating');
      assert.ok(
        seen.every((n) => n.slackThread === undefined),
        'a run started from the CLI has no thread',
      );
      const before = seen.length;
      await handle.signal(notifyTargetSignal, { channel: 'C0LATER', threadTs: '1700000000.000200' });
      await advanceUntil(env, handle, (s) => s.phase === 'AwaitingApproval');
      const later = seen.slice(before + 1);
      assert.ok(later.length > 0);
      for (const n of later) {
        assert.deepEqual(n.slackThread, { channel: 'C0LATER', threadTs: '1700000000.000200' }, n.text);
      }
      await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'reject', by: APPROVER }] });
      assert.equal((await h.service.result(SA)).phase, 'RolledBack');
    } finally {
      await h.stop();
      await endRoleLock(env);
    }
  });
});
