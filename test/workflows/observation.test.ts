import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { changeRecord } from '../../src/domain/change-record.js';
import { POD_IDENTITY_TRUST_SID } from '../../src/domain/constants.js';
import type { MigrationState } from '../../src/domain/migration-state.js';
import { removeStatementBySid } from '../../src/domain/trust-policy.js';
import type { MigrationOptions } from '../../src/domain/types.js';
import { abortSignal, decisionUpdate, observationUpdate } from '../../workflows/messages.js';
import { MigrationPhaseKey } from '../../workflows/search-attributes.js';
import {
  advanceUntil,
  APPROVER,
  endRoleLock,
  migrationInput,
  REQUESTER,
  startHarness,
  type Harness,
} from '../support/migration-harness.js';
import { cloudTrailFleet } from '../support/server-clock.js';
import { createTimeSkippingEnv } from '../support/temporal.js';

const HOUR = 3600;
const ROLE = 'eks-payments-reconciler';
const CLUSTERS = ['sandbox-a', 'sandbox-b'];

describe('migration workflow: the Observing phase on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  /**
   * A harness whose sandbox keeps the server's time (CloudTrail's events, the agent's hourly
   * calls) and delivers events two minutes late; its worker takes the given fleet defaults.
   */
  async function harness(observationDefaults?: MigrationOptions['observation']): Promise<Harness> {
    const { fleet, interceptor } = cloudTrailFleet();
    // Each harness has its own task queue: the role's lock from the previous test's would never be served.
    await endRoleLock(env);
    return startHarness(env, {
      fleet,
      cloudTrail: true,
      activityInterceptors: [interceptor],
      ...(observationDefaults && { deps: { observationDefaults } }),
    });
  }

  /** Starts, approves at the gate, and returns the handle once `until` holds. */
  async function approved(
    h: Harness,
    options: Partial<MigrationOptions>,
    until: (s: MigrationState) => boolean,
  ): Promise<{ handle: WorkflowHandle; state: MigrationState }> {
    const input = migrationInput({ soakSeconds: 0, ...options }, { clusters: CLUSTERS });
    const { workflowId } = await h.service.start(input);
    const handle = env.client.workflow.getHandle(workflowId);
    await advanceUntil(env, handle, (s) => s.phase === 'AwaitingApproval');
    await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'approve', by: APPROVER }] });
    const state = await advanceUntil(env, handle, until, { stepMs: 30 * 60_000 });
    return { handle, state };
  }

  test('a regression while observing is alerted, and the rollback it offers restores IRSA exactly', async () => {
    const h = await harness();
    try {
      const before = await h.fleet.control.essentials();
      const { handle, state: quiet } = await approved(
        h,
        { observation: { durationSeconds: 3 * 86_400, sampleSeconds: 2 * HOUR } },
        (s) => s.phase === 'Observing' && (s.observation?.sampleCount ?? 0) >= 2,
      );
      assert.equal(quiet.observation?.alerts.length, 0, JSON.stringify(quiet.observation?.alerts));
      const described = await handle.describe();
      assert.equal(described.typedSearchAttributes.get(MigrationPhaseKey), 'Observing');
      const first = quiet.observation.samples[0]!;
      for (const cluster of CLUSTERS) {
        const c = first.clusters.find((x) => x.cluster === cluster)!;
        assert.deepEqual(c.readiness, { ready: true, problems: [] }, cluster);
        assert.ok(
          c.workloads?.every((w) => w.ready === w.pods && w.restarts === 0),
          JSON.stringify(c.workloads),
        );
        assert.equal(c.errors?.agent, 0);
      }
      assert.ok(quiet.observation.samples.at(-1)!.stsProfile!.podIdentity > 0, 'Pod Identity sessions seen');
      assert.equal(quiet.observation.baseline?.unavailable, undefined);

      // IAM drift, as in the seed's incident: someone rewrites the role's trust without the Pod Identity statement.
      const role = await h.fleet.iam.getRole(ROLE);
      await h.fleet.iam.updateTrustPolicy(
        ROLE,
        removeStatementBySid(role.trustPolicy, POD_IDENTITY_TRUST_SID).document,
      );
      const alerted = await advanceUntil(env, handle, (s) => (s.observation?.alerts.length ?? 0) > 0, {
        stepMs: 30 * 60_000,
      });
      assert.equal(alerted.phase, 'Observing', 'an alert rolls nothing back by itself');
      const keys = alerted.observation!.alerts[0]!.regressions.map((r) => r.key);
      assert.ok(keys.includes('agent-errors:sandbox-a'), keys.join());
      const alert = h.events.find((line) => line.includes('REGRESSION while observing payments/reconciler'));
      assert.ok(alert, h.events.join('\n'));
      assert.match(alert, /AccessDeniedException/);
      assert.match(alert, /migrate-identity rollback payments\/reconciler/);

      await handle.executeUpdate(observationUpdate, {
        args: [{ action: 'rollback', by: APPROVER, reason: 'credential errors after the trust change', via: 'cli' }],
      });
      // One decision: the run is rolling back now.
      await assert.rejects(
        handle.executeUpdate(observationUpdate, { args: [{ action: 'end', by: REQUESTER }] }),
        (err: Error & { cause?: Error }) =>
          /not observing \(phase RollingBack\)|already requested/.test(err.cause?.message ?? err.message),
      );
      const final = await h.service.result({ namespace: 'payments', name: 'reconciler' });
      assert.equal(final.phase, 'RolledBack', JSON.stringify(final.failure));
      assert.equal(final.failure?.type, 'RollbackRequested');
      assert.match(final.failure.message, /rollback requested by bob while observing: credential errors/);
      assert.equal(final.manualSteps, undefined);
      assert.deepEqual(
        final.clusters.map((c) => c.status),
        ['rolled-back', 'rolled-back'],
      );
      for (const c of final.clusters) {
        const steps = c.steps.map((s) => s.step);
        for (const step of [
          'rollback-restore-annotation',
          'rollback-delete-association',
          'rollback-restart',
          'rollback-verify',
        ] as const) {
          assert.ok(steps.includes(step), `${c.cluster}: ${step}`);
        }
      }
      // Annotation, trust (IRSA back, no Pod Identity statement), no association, every pod on IRSA: as before.
      assert.deepEqual(await h.fleet.control.essentials(), before);
      assert.ok(final.audit?.some((e) => e.action === 'rollback' && e.by === APPROVER && e.via === 'cli'));
      assert.equal(final.observation?.rollbackRequested?.by, APPROVER);
      assert.match(changeRecord(final), /Rolled back by the run: every cluster is on IRSA as before/);
    } finally {
      await h.stop();
    }
  });

  test('by default a quiet week ends Completed, with a digest a day and the change record', async () => {
    // A real fleet's worker: no observation defaults of its own, so the run observes OBSERVATION_DEFAULTS' 7 days.
    const h = await harness({});
    try {
      const { handle } = await approved(h, { observation: undefined }, (s) => s.phase === 'Observing');
      const final = await h.service.result({ namespace: 'payments', name: 'reconciler' });
      assert.equal(final.phase, 'Completed', JSON.stringify(final.failure));
      const o = final.observation!;
      assert.equal(Date.parse(o.endsAt) - Date.parse(o.startedAt), 7 * 86_400_000);
      assert.equal(o.sampleSeconds, 4 * HOUR);
      assert.equal(o.sampleCount, 42);
      assert.equal(o.alerts.length, 0, JSON.stringify(o.alerts));
      assert.deepEqual(o.ended && { early: o.ended.early, by: o.ended.by }, { early: false, by: undefined });
      // Six daily digests, then the last one when the window is over.
      assert.equal(o.digestsSent, 7);
      const digests = h.events.filter((line) => /daily digest \d/.test(line));
      assert.equal(digests.length, 6);
      assert.match(digests[0]!, /sandbox-a: credential errors 0 \(0\/h before\), agent errors 0; pods \d\/\d ready/);
      assert.ok(
        h.events.some((line) =>
          /Completed: migration completed: .*observed 42 sample\(s\), 0 alert\(s\); change record/.test(line),
        ),
      );
      const record = changeRecord(final);
      assert.match(record, /\| Outcome \| completed: on Pod Identity, IRSA cleaned up, observed until /);
      assert.match(record, /Observation: 7d from .*, 42 sample\(s\) every 4h, 0 alert\(s\)/);
      assert.match(record, /aws eks delete-pod-identity-association --cluster-name sandbox-b --association-id /);
      assert.equal((await handle.describe()).typedSearchAttributes.get(MigrationPhaseKey), 'Completed');
    } finally {
      await h.stop();
    }
  });

  test('observation 0 skips the phase: Completed right after cleanup', async () => {
    const h = await harness({});
    try {
      await approved(h, { observation: { durationSeconds: 0 } }, (s) => s.phase === 'Completed');
      const final = await h.service.result({ namespace: 'payments', name: 'reconciler' });
      assert.equal(final.phase, 'Completed');
      assert.equal(final.observation, undefined);
      assert.ok(!h.events.some((line) => /Observing|observing/.test(line)), h.events.join('\n'));
    } finally {
      await h.stop();
    }
  });

  test('an abort while observing rolls back, as an abort does in any phase', async () => {
    const h = await harness();
    try {
      const before = await h.fleet.control.essentials();
      const { handle } = await approved(
        h,
        { observation: { durationSeconds: 86_400, sampleSeconds: 6 * HOUR } },
        (s) => s.phase === 'Observing',
      );
      await handle.signal(abortSignal, { by: APPROVER, reason: 'pager' });
      const final = await h.service.result({ namespace: 'payments', name: 'reconciler' });
      assert.equal(final.phase, 'RolledBack', JSON.stringify(final.failure));
      assert.equal(final.failure?.type, 'Aborted');
      assert.deepEqual(await h.fleet.control.essentials(), before);
    } finally {
      await h.stop();
    }
  });

  test('ending the observation early is a recorded decision; rollback and end are refused outside the phase', async () => {
    const h = await harness();
    try {
      const input = migrationInput(
        { soakSeconds: 0, observation: { durationSeconds: 2 * 86_400, sampleSeconds: 6 * HOUR } },
        { clusters: ['sandbox-a'] },
      );
      const { workflowId } = await h.service.start(input);
      const handle = env.client.workflow.getHandle(workflowId);
      await advanceUntil(env, handle, (s) => s.phase === 'AwaitingApproval');
      await assert.rejects(
        handle.executeUpdate(observationUpdate, { args: [{ action: 'rollback', by: APPROVER }] }),
        (err: Error & { cause?: Error }) =>
          /not observing \(phase AwaitingApproval\).*reject to roll back now/.test(err.cause?.message ?? ''),
      );
      await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'approve', by: APPROVER }] });
      await advanceUntil(env, handle, (s) => (s.observation?.sampleCount ?? 0) >= 1, { stepMs: 30 * 60_000 });
      await handle.executeUpdate(observationUpdate, {
        args: [{ action: 'end', by: REQUESTER, reason: 'quiet, and the team needs the slot', requestId: 'req-1' }],
      });
      const final = await h.service.result(input.serviceAccount);
      assert.equal(final.phase, 'Completed');
      assert.deepEqual(
        { ...final.observation!.ended, at: undefined },
        { at: undefined, early: true, by: REQUESTER, reason: 'quiet, and the team needs the slot' },
      );
      assert.ok(final.observation!.sampleCount < 8, 'ended well before its 8 samples');
      assert.equal(final.audit?.filter((e) => e.action === 'end-observation').length, 1);
      assert.match(changeRecord(final), /ended early by alice: quiet, and the team needs the slot/);
      assert.ok(h.events.some((line) => line.includes('observation ended early by alice')));
    } finally {
      await h.stop();
    }
  });
});
