import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import { MigrationRequestError } from '../../src/temporal/migrations.js';
import { abortSignal, auditSignal } from '../../workflows/messages.js';
import {
  advanceUntil,
  APPROVER,
  migrationInput,
  REQUESTER,
  type Harness,
  useWorkflowHarness,
} from '../support/migration-harness.js';

const SA = { namespace: 'payments', name: 'reconciler' };
const CAROL = 'carol';

describe('migration workflow: approvals, the audit trail, repeated requests', () => {
  let env: TestWorkflowEnvironment;
  let h: Harness;
  useWorkflowHarness((e, harness) => {
    env = e;
    h = harness;
  });

  /** A run of two approvers besides the requester, `minApprovals` needed, at its gate. */
  const toGate = async (minApprovals: number) => {
    await h.fleet.control.reset();
    await h.service.start(
      migrationInput(
        { soakSeconds: 0, approvers: [APPROVER, CAROL, REQUESTER], minApprovals },
        {
          origin: { via: 'slack', channel: 'C0OPS', requestId: 'start-1' },
          access: { rule: 'payments', operators: ['dave'], anyoneMayOperate: false },
        },
      ),
    );
    const handle = env.client.workflow.getHandle(workflowIdFor(SA));
    const state = await advanceUntil(env, handle, (s) => s.phase === 'AwaitingApproval');
    return { handle, state };
  };

  test('two needed: one approval leaves the gate open, the same person again counts once, the second closes it', async () => {
    await toGate(2);
    const first = await h.service.decide(SA, { decision: 'approve', by: APPROVER, requestId: 'click-1' });
    assert.equal(first.decision, undefined);
    assert.equal(first.phase, 'AwaitingApproval');
    assert.deepEqual(
      first.approvals?.map((a) => [a.decision, a.by]),
      [['approve', APPROVER]],
    );
    // The same click again (a retried Update), then the same approver from another click.
    const repeated = await h.service.decide(SA, { decision: 'approve', by: APPROVER, requestId: 'click-1' });
    assert.equal(repeated.approvals?.length, 1);
    const again = await h.service.decide(SA, { decision: 'approve', by: APPROVER, requestId: 'click-2' });
    assert.equal(again.approvals?.length, 1, 'the same person twice counts once');
    assert.equal(again.decision, undefined);
    // The requester cannot be the second.
    await assert.rejects(
      h.service.decide(SA, { decision: 'approve', by: REQUESTER, requestId: 'click-3' }),
      /alice requested this migration and cannot approve it/,
    );
    const second = await h.service.decide(SA, { decision: 'approve', by: CAROL, via: 'cli', requestId: 'cli-1' });
    assert.equal(second.decision?.decision, 'approve');
    assert.equal(second.decision?.by, CAROL);
    const final = await h.service.result(SA);
    assert.equal(final.phase, 'Completed', JSON.stringify(final.failure));
    // The approval that left the gate open was said once in the thread.
    assert.equal(h.events.filter((e) => /approved by bob: 1 of 2 approvals/.test(e)).length, 1, h.events.join('\n'));

    const audit = final.audit ?? [];
    assert.deepEqual(audit[0], {
      at: final.startedAt,
      action: 'start',
      by: REQUESTER,
      via: 'slack',
      channel: 'C0OPS',
      requestId: 'start-1',
    });
    assert.deepEqual(
      audit.slice(1).map((e) => [e.action, e.by, e.refused ? 'refused' : 'done']),
      [
        ['approve', APPROVER, 'done'],
        ['approve', APPROVER, 'done'],
        ['approve', REQUESTER, 'refused'],
        ['approve', CAROL, 'done'],
      ],
    );
    assert.match(audit[3]?.refused ?? '', /cannot approve it/);
  });

  test('any approver’s reject closes the gate as rejected, even after an approval', async () => {
    await toGate(2);
    await h.service.decide(SA, { decision: 'approve', by: APPROVER });
    const rejected = await h.service.decide(SA, { decision: 'reject', by: CAROL, reason: 'error rate' });
    assert.equal(rejected.decision?.decision, 'reject');
    assert.equal(rejected.decision?.by, CAROL);
    const final = await h.service.result(SA);
    assert.equal(final.phase, 'RolledBack');
    assert.match(final.failure?.message ?? '', /rejected by carol/);
  });

  test('the validator enforces the run’s own approvers, whatever the caller claims', async () => {
    await toGate(1);
    await assert.rejects(
      h.service.decide(SA, { decision: 'approve', by: 'mallory', via: 'slack', channel: 'C0X' }),
      (err: unknown) => err instanceof MigrationRequestError && /mallory is not an approver/.test(err.message),
    );
    const state = await h.service.state(SA);
    assert.equal(state.decision, undefined);
    const refusal = state.audit?.at(-1);
    assert.equal(refusal?.by, 'mallory');
    assert.equal(refusal?.channel, 'C0X');
    assert.match(refusal?.refused ?? '', /not an approver/);
    await h.service.decide(SA, { decision: 'approve', by: CAROL });
    assert.equal((await h.service.result(SA)).phase, 'Completed');
  });

  test('abort, pause and resume are recorded with where they came from; a repeated request acts once', async () => {
    const { handle } = await toGate(1);
    await h.service.pause(SA, { by: 'dave', via: 'slack', channel: 'C0OPS', requestId: 'p-1' });
    await h.service.pause(SA, { by: 'dave', via: 'slack', channel: 'C0OPS', requestId: 'p-1' });
    await h.service.resume(SA, { by: 'dave', via: 'cli', requestId: 'r-1' });
    await h.service.abort(SA, { by: 'dave', via: 'slack', requestId: 'a-1', reason: 'wrong role' });
    await handle.signal(abortSignal, { by: 'dave', via: 'slack', requestId: 'a-1' });
    const final = await h.service.result(SA);
    assert.equal(final.phase, 'RolledBack');
    assert.deepEqual(
      (final.audit ?? []).slice(1).map((e) => [e.action, e.by, e.via, e.requestId]),
      [
        ['pause', 'dave', 'slack', 'p-1'],
        ['resume', 'dave', 'cli', 'r-1'],
        ['abort', 'dave', 'slack', 'a-1'],
      ],
    );
    assert.equal(final.abortRequested?.reason, 'wrong role');
  });

  test('refused attempts reach the trail by signal; anything but a refusal is ignored, and it stays bounded', async () => {
    const { handle } = await toGate(1);
    await h.service.recordRefusal(SA, { action: 'abort', by: 'eve', via: 'slack', refused: 'not an operator' });
    await handle.signal(auditSignal, { at: 'x', action: 'approve', by: 'eve' });
    for (let i = 0; i < 105; i++) {
      await handle.signal(auditSignal, { at: 'x', action: 'pause', by: `eve-${i}`, refused: 'no' });
    }
    const state = await h.service.state(SA);
    const refused = (state.audit ?? []).filter((e) => e.refused);
    assert.equal(refused.length, 100);
    assert.equal(refused[0]?.by, 'eve');
    assert.ok(!(state.audit ?? []).some((e) => e.action === 'approve'));
    await h.service.decide(SA, { decision: 'reject', by: APPROVER });
    await h.service.result(SA);
  });
});
