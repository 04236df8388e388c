import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { decisionUpdate } from '../../workflows/messages.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import { POD_IDENTITY_TRUST_SID } from '../../src/domain/constants.js';
import { createTimeSkippingEnv } from '../support/temporal.js';
import { advanceUntil, APPROVER, migrationInput, startHarness } from '../support/migration-harness.js';

describe('migration workflow: happy path on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  test('migrates three clusters one at a time, waits for approval, cleans up', async () => {
    const h = await startHarness(env);
    try {
      const input = migrationInput();
      const { workflowId } = await h.service.start(input);
      assert.equal(workflowId, workflowIdFor(input.serviceAccount));
      const handle = env.client.workflow.getHandle(workflowId);
      const gate = await advanceUntil(env, handle, (s) => s.phase === 'AwaitingApproval');
      assert.deepEqual(
        gate.clusters.map((c) => c.status),
        ['migrated', 'migrated', 'migrated'],
      );
      // Timers were skipped, not shortened: the recorded waits are the production defaults.
      const a = gate.clusters[0]!;
      const wait = a.steps.find((s) => s.step === 'consistency-wait')!;
      assert.ok(Date.parse(wait.finishedAt!) - Date.parse(wait.startedAt) >= 30_000);
      const soak = a.steps.find((s) => s.step === 'soak')!;
      assert.ok(Date.parse(soak.finishedAt!) - Date.parse(soak.startedAt) >= 300_000);
      assert.equal(
        gate.clusters[2]!.steps.some((s) => s.step === 'soak'),
        false,
        'no soak after the last cluster',
      );
      // One cluster at a time: a cluster's first step starts after the previous cluster's last.
      for (let i = 1; i < 3; i++) {
        const prevEnd = Date.parse(gate.clusters[i - 1]!.steps.at(-1)!.finishedAt!);
        assert.ok(Date.parse(gate.clusters[i]!.steps[0]!.startedAt) >= prevEnd);
      }
      const midway = await h.fleet.control.essentials();
      assert.equal(midway.associations.length, 3);
      assert.equal(
        midway.serviceAccountAnnotations['sandbox-a']?.['payments/reconciler']?.['eks.amazonaws.com/role-arn'],
        input.roleArn,
        'IRSA annotation kept as fallback until approval',
      );

      await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'approve', by: APPROVER }] });
      const final = await h.service.result(input.serviceAccount);
      assert.equal(final.phase, 'Completed', JSON.stringify(final.failure));
      assert.equal(final.decision?.by, APPROVER);
      assert.deepEqual(
        final.clusters.map((c) => c.status),
        ['cleaned', 'cleaned', 'cleaned'],
      );
      const after = await h.fleet.control.essentials();
      for (const cluster of ['sandbox-a', 'sandbox-b', 'sandbox-c']) {
        assert.equal(
          after.serviceAccountAnnotations[cluster]?.['payments/reconciler']?.['eks.amazonaws.com/role-arn'],
          undefined,
        );
        for (const [workload, paths] of Object.entries(after.workloadCredentials[cluster] ?? {})) {
          if (workload.includes('/payments/reconciler'))
            assert.deepEqual(paths, ['pod-identity'], `${cluster} ${workload}`);
        }
      }
      const trust = after.trustPolicies['eks-payments-reconciler']!;
      assert.ok(trust.Statement.some((s) => s.Sid === POD_IDENTITY_TRUST_SID));
      const migratedIssuers = final.plan!.clusters.map((c) => c.oidcIssuer!.replace('https://', ''));
      assert.equal(migratedIssuers.length, 3);
      const subjectsFor = (issuer: string) =>
        trust.Statement.filter((st) => JSON.stringify(st.Principal ?? {}).includes(issuer)).flatMap((st) =>
          [st.Condition?.StringEquals?.[`${issuer}:sub`] ?? []].flat(),
        );
      for (const issuer of migratedIssuers) {
        assert.ok(
          !subjectsFor(issuer).includes('system:serviceaccount:payments:reconciler'),
          `${issuer} still trusts reconciler`,
        );
      }
      const trustJson = JSON.stringify(trust);
      assert.ok(trustJson.includes('system:serviceaccount:payments:reconciler-canary'), 'other subjects kept');
      assert.ok(trustJson.includes('BreakGlass'), 'unrelated statements kept');
      assert.ok(
        trust.Statement.some(
          (st) =>
            JSON.stringify(st).includes('system:serviceaccount:payments:reconciler"') &&
            !migratedIssuers.some((i) => JSON.stringify(st).includes(i)),
        ),
        'the unmigrated cluster (sandbox-unhealthy) keeps its IRSA trust',
      );
      const calls = await h.fleet.control.calls();
      for (const c of ['sandbox-a', 'sandbox-b', 'sandbox-c'])
        assert.equal(calls[`${c}:createPodIdentityAssociation`], 1);
      assert.ok(h.events.some((e) => e.includes('association')));
      // Each notification was delivered with the digest it carries, and none was lost.
      assert.deepEqual(
        final.warnings.filter((w) => w.includes('notif')),
        [],
      );
      assert.ok(
        h.events.some((e) => e.startsWith('[payments/reconciler] Completed: migration completed')),
        h.events.join('\n'),
      );
    } finally {
      await h.stop();
    }
  });
});
