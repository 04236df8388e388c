import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { MigrationRequestError } from '../../src/temporal/migrations.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import { advanceUntil, migrationInput, type Harness, useWorkflowHarness } from '../support/migration-harness.js';

const SA = { namespace: 'payments', name: 'reconciler' };
const MUTATING = [
  'createPodIdentityAssociation',
  'deletePodIdentityAssociation',
  'setServiceAccountAnnotation',
  'restartWorkload',
  'updateTrustPolicy',
];

describe('migration workflow: abort, pause, duplicates, plan, preflight', () => {
  let env: TestWorkflowEnvironment;
  let h: Harness;
  useWorkflowHarness((e, harness) => {
    env = e;
    h = harness;
  });

  test('abort interrupts a durable wait and rolls back', async () => {
    await h.fleet.control.reset();
    const before = await h.fleet.control.essentials();
    await h.service.start(migrationInput());
    const handle = env.client.workflow.getHandle(workflowIdFor(SA));
    await advanceUntil(
      env,
      handle,
      (s) => s.clusters[1]!.steps.some((st) => st.step === 'consistency-wait' && st.status === 'running'),
      { stepMs: 5_000 },
    );
    await h.service.abort(SA, 'carol', 'wrong role');
    const final = await h.service.result(SA);
    assert.equal(final.phase, 'RolledBack');
    assert.equal(final.failure?.type, 'Aborted');
    assert.equal(final.abortRequested?.by, 'carol');
    assert.equal(final.clusters[2]!.steps.length, 0, 'the third cluster was never touched');
    assert.deepEqual(await h.fleet.control.essentials(), before);
  });

  test('a Temporal cancel (from the UI) is treated as an abort: it rolls back', async () => {
    await h.fleet.control.reset();
    const before = await h.fleet.control.essentials();
    await h.service.start(migrationInput());
    const handle = env.client.workflow.getHandle(workflowIdFor(SA));
    await advanceUntil(env, handle, (s) => s.clusters[0]!.status === 'migrated', { stepMs: 5_000 });
    await handle.cancel();
    const final = await h.service.result(SA);
    assert.equal(final.phase, 'RolledBack');
    assert.equal(final.failure?.type, 'Aborted');
    assert.deepEqual(await h.fleet.control.essentials(), before);
  });

  test('pause holds at the next step boundary; resume continues', async () => {
    await h.fleet.control.reset();
    await h.service.start(migrationInput({ soakSeconds: 0 }));
    await h.service.pause(SA, 'carol');
    const handle = env.client.workflow.getHandle(workflowIdFor(SA));
    const paused = await advanceUntil(
      env,
      handle,
      (s) => s.paused && !s.clusters.some((c) => c.steps.some((st) => st.status === 'running')),
    );
    const steps = (s: typeof paused) => s.clusters.flatMap((c) => c.steps).length;
    for (let i = 0; i < 10; i++) await env.sleep(60_000);
    const still = await h.service.state(SA);
    assert.equal(steps(still), steps(paused), 'no step ran while paused');
    assert.equal(still.paused, true);
    await h.service.resume(SA, 'carol');
    const gate = await advanceUntil(env, handle, (s) => s.phase === 'AwaitingApproval');
    assert.equal(gate.paused, false);
    await h.service.abort(SA, 'carol');
    assert.equal((await h.service.result(SA)).phase, 'RolledBack');
  });

  test('a second start for the same service account is refused, naming the running one', async () => {
    await h.fleet.control.reset();
    await h.service.start(migrationInput());
    await assert.rejects(
      h.service.start(migrationInput()),
      (err: unknown) =>
        err instanceof MigrationRequestError &&
        err.code === 'already-running' &&
        err.message.includes('migrate-identity/payments/reconciler'),
    );
    await h.service.abort(SA, 'carol');
    await h.service.result(SA);
  });

  test('plan runs preflight only and reports what would change per cluster', async () => {
    await h.fleet.control.reset();
    const before = await h.fleet.control.essentials();
    const plan = await h.service.plan(migrationInput());
    assert.equal(plan.blocked, false);
    assert.deepEqual(
      plan.clusters.map((c) => [c.cluster, c.association.action]),
      [
        ['sandbox-a', 'create'],
        ['sandbox-b', 'create'],
        ['sandbox-c', 'create'],
      ],
    );
    assert.deepEqual(plan.clusters[1]!.workloadsToRestart.map((w) => w.kind).sort(), ['Deployment', 'StatefulSet']);
    assert.equal(plan.trust.addPodIdentityStatement, true);
    assert.ok(plan.trust.sizeAfter > plan.trust.sizeBefore);
    assert.equal(plan.cleanup.removeIrsaTrustForIssuers.length, 3);
    assert.deepEqual(await h.fleet.control.essentials(), before);
    const calls = await h.fleet.control.calls();
    assert.deepEqual(
      Object.keys(calls).filter((k) => MUTATING.some((m) => k.endsWith(`:${m}`))),
      [],
    );
  });

  const blocked: { sa: string; role: string; clusters: string[]; code: string }[] = [
    { sa: 'fargate-worker', role: 'eks-payments-fargate-worker', clusters: ['sandbox-a'], code: 'fargate-pod' },
    {
      sa: 'fargate-worker',
      role: 'eks-payments-fargate-worker',
      clusters: ['sandbox-a'],
      code: 'fargate-profile-selects',
    },
    {
      sa: 'reconciler',
      role: 'eks-payments-reconciler',
      clusters: ['sandbox-a', 'sandbox-unhealthy'],
      code: 'agent-unhealthy',
    },
    { sa: 'egress-proxy', role: 'eks-payments-egress-proxy', clusters: ['sandbox-c'], code: 'proxy-no-proxy' },
    { sa: 'ledger', role: 'eks-payments-ledger', clusters: ['sandbox-b'], code: 'principal-tag-typo' },
  ];
  for (const b of blocked) {
    test(`preflight stops ${b.sa} on ${b.clusters.join(',')} with ${b.code}, changing nothing`, async () => {
      await h.fleet.control.reset();
      const before = await h.fleet.control.essentials();
      const sa = { namespace: 'payments', name: b.sa };
      await h.service.start(
        migrationInput(
          {},
          { serviceAccount: sa, roleArn: `arn:aws:iam::111122223333:role/${b.role}`, clusters: b.clusters },
        ),
      );
      const final = await h.service.result(sa);
      assert.equal(final.phase, 'PreflightFailed');
      assert.ok(
        final.findings.some((f) => f.code === b.code && f.severity === 'blocking'),
        JSON.stringify(final.findings),
      );
      assert.deepEqual(await h.fleet.control.essentials(), before);
    });
  }
});
