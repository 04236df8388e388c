import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { MigrationState } from '../../src/domain/migration-state.js';
import type { MigrationOptions } from '../../src/domain/types.js';
import type { TrafficProfile } from '../../src/sandbox/index.js';
import { decisionUpdate } from '../../workflows/messages.js';
import {
  advanceUntil,
  APPROVER,
  endRoleLock,
  migrationInput,
  startHarness,
  type Harness,
} from '../support/migration-harness.js';
import { cloudTrailFleet } from '../support/server-clock.js';
import { createTimeSkippingEnv } from '../support/temporal.js';

const OLD_JAVA =
  'aws-sdk-java/2.20.1 Linux/5.10.228-219.884.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.8+7-LTS Java/17.0.8 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy';
/** A probe that proves the environment without calling AWS: no CloudTrail event of its own. */
const QUIET_PROBE = ['printenv', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'];
const IRSA = 'eks.amazonaws.com/role-arn';

describe('migration workflow: CloudTrail evidence on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  /** A harness whose sandbox stamps events on the server's clock and delivers them `delayMs` late. */
  async function harness(delayMs = 2 * 60_000, traffic: Record<string, TrafficProfile> = {}): Promise<Harness> {
    const { fleet, interceptor } = cloudTrailFleet(delayMs);
    for (const [key, profile] of Object.entries(traffic)) await fleet.cloudTrailControl.setTraffic(key, profile);
    // Each harness has its own task queue: the role's lock from the previous test's would never be served.
    await endRoleLock(env);
    return startHarness(env, { fleet, cloudTrail: true, activityInterceptors: [interceptor] });
  }

  async function run(
    h: Harness,
    options: Partial<MigrationOptions>,
    clusters: string[],
    approve = true,
  ): Promise<MigrationState> {
    const input = migrationInput(options, { clusters });
    const { workflowId } = await h.service.start(input);
    const handle = env.client.workflow.getHandle(workflowId);
    const gate = await advanceUntil(
      env,
      handle,
      (s) => s.phase === 'AwaitingApproval' || s.phase === 'PreflightFailed',
    );
    if (gate.phase === 'AwaitingApproval' && approve) {
      await handle.executeUpdate(decisionUpdate, { args: [{ decision: 'approve', by: APPROVER }] });
    }
    return h.service.result(input.serviceAccount);
  }

  test('evidence present: Pod Identity sessions per cluster recorded with event ids, STS profile before and after, SDKs audited', async () => {
    const h = await harness();
    try {
      const final = await run(h, {}, ['sandbox-a', 'sandbox-b']);
      assert.equal(final.phase, 'Completed', JSON.stringify(final.failure ?? final.findings));
      const evidence = final.evidence!;
      for (const cluster of ['sandbox-a', 'sandbox-b']) {
        const e = evidence.podIdentity[cluster]!;
        assert.equal(e.status, 'found', `${cluster}: ${JSON.stringify(e)}`);
        assert.ok(e.sessions.count > 0 && e.sessions.eventIds.length > 0);
        assert.ok(e.agentCalls >= e.sessions.count);
        assert.ok(e.sessions.first! >= e.since, 'counted from the restart');
        const step = final.clusters
          .find((c) => c.cluster === cluster)!
          .steps.find((s) => s.step === 'cloudtrail-evidence')!;
        assert.equal(step.status, 'succeeded');
        assert.match(step.detail!, /CloudTrail shows \d+ Pod Identity session\(s\) of payments\/reconciler/);
        assert.ok(step.detail!.includes(e.sessions.eventIds[0]!), 'the step names the events');
        assert.equal(evidence.irsaAfterRestart!.clusters[cluster]!.count, 0);
      }
      // The soak and the lookups ran together: the evidence step began with the soak.
      const a = final.clusters[0]!.steps;
      const soak = a.find((s) => s.step === 'soak')!;
      const lookups = a.find((s) => s.step === 'cloudtrail-evidence')!;
      assert.equal(lookups.startedAt, soak.startedAt);
      // The events arrive two minutes late: the first lookups came back empty.
      assert.ok(evidence.podIdentity['sandbox-a']!.lookups > 1);
      const usages = evidence.sdkAudit!.usages;
      assert.deepEqual([...new Set(usages.map((u) => `${u.cluster} ${u.sdk} ${u.verdict}`))].sort(), [
        'sandbox-a Python (botocore) supported',
        'sandbox-b Java (Version 2) supported',
        'sandbox-b Python (botocore) supported',
      ]);
      const { before: pre, after: post } = evidence.stsProfile!;
      assert.ok(pre!.webIdentity > 0 && pre!.podIdentity === 0, JSON.stringify(pre));
      assert.ok(post!.webIdentity === 0 && post!.podIdentity > 0, JSON.stringify(post));
      assert.ok(
        h.events.some((line) => /STS profile of payments\/reconciler: before .*web identity.*after/.test(line)),
      );
    } finally {
      await h.stop();
    }
  });

  test('evidence late: a delivery delay past the soak is waited out on the durable timer', async () => {
    const h = await harness(9 * 60_000);
    try {
      const final = await run(h, {}, ['sandbox-a']);
      assert.equal(final.phase, 'Completed', JSON.stringify(final.findings));
      const e = final.evidence!.podIdentity['sandbox-a']!;
      assert.equal(e.status, 'found');
      assert.ok(e.lookups >= 9, `looked up ${e.lookups} times`);
      const step = final.clusters[0]!.steps.find((s) => s.step === 'cloudtrail-evidence')!;
      assert.ok(Date.parse(step.finishedAt!) - Date.parse(e.since) >= 9 * 60_000);
    } finally {
      await h.stop();
    }
  });

  test('evidence absent: a warning after the bounded wait, and cleanup is blocked (IRSA stays)', async () => {
    const h = await harness(2 * 60_000, { 'payments/reconciler': { idle: true } });
    try {
      const final = await run(h, { verifyCommand: QUIET_PROBE }, ['sandbox-a']);
      assert.equal(final.phase, 'MigratedNotCleaned');
      const e = final.evidence!.podIdentity['sandbox-a']!;
      assert.equal(e.status, 'absent');
      const step = final.clusters[0]!.steps.find((s) => s.step === 'cloudtrail-evidence')!;
      assert.equal(step.status, 'succeeded');
      assert.ok(Date.parse(step.finishedAt!) - Date.parse(e.since) >= 15 * 60_000, 'waited the whole bound');
      assert.ok(final.warnings.some((w) => w.startsWith('sandbox-a: no Pod Identity session of payments/reconciler')));
      const blocking = final.findings.filter((f) => f.severity === 'blocking');
      assert.deepEqual(
        blocking.map((f) => [f.code, f.cluster]),
        [['cloudtrail-evidence-missing', 'sandbox-a']],
      );
      const fleet = await h.fleet.control.essentials();
      assert.ok(fleet.serviceAccountAnnotations['sandbox-a']?.['payments/reconciler']?.[IRSA], 'annotation kept');
    } finally {
      await h.stop();
    }
  });

  test('evidence absent with --missing-evidence warn: cleanup goes ahead, the finding stays a warning', async () => {
    const h = await harness(2 * 60_000, { 'payments/reconciler': { idle: true } });
    try {
      const final = await run(h, { verifyCommand: QUIET_PROBE, evidence: { missing: 'warn' } }, ['sandbox-a']);
      assert.equal(final.phase, 'Completed');
      assert.deepEqual(
        final.findings.filter((f) => f.code === 'cloudtrail-evidence-missing').map((f) => f.severity),
        ['warning'],
      );
    } finally {
      await h.stop();
    }
  });

  test('a hidden IRSA dependency blocks cleanup with the evidence', async () => {
    const h = await harness(60_000, { 'sandbox-b/payments/reconciler-ledger-writer': { hiddenWebIdentity: true } });
    try {
      const final = await run(h, {}, ['sandbox-a', 'sandbox-b']);
      assert.equal(final.phase, 'MigratedNotCleaned', JSON.stringify(final.failure));
      const [finding, ...others] = final.findings.filter((f) => f.severity === 'blocking');
      assert.equal(others.length, 0, JSON.stringify(others));
      assert.equal(finding?.code, 'hidden-irsa-dependency');
      assert.equal(finding?.cluster, 'sandbox-b');
      const irsa = final.evidence!.irsaAfterRestart!.clusters['sandbox-b']!;
      assert.ok(irsa.count > 0);
      assert.match(finding.message, new RegExp(irsa.eventIds[0]!));
      assert.match(finding.message, /aws-sdk-java\/2\.25\.70/);
      assert.equal(final.evidence!.irsaAfterRestart!.clusters['sandbox-a']!.count, 0);
      const fleet = await h.fleet.control.essentials();
      for (const cluster of ['sandbox-a', 'sandbox-b']) {
        assert.ok(fleet.serviceAccountAnnotations[cluster]?.['payments/reconciler']?.[IRSA], `${cluster} keeps IRSA`);
      }
      assert.ok(h.events.some((line) => line.includes('CloudTrail evidence blocks cleanup')));
    } finally {
      await h.stop();
    }
  });

  test('an SDK too old for Pod Identity blocks the migration before the first cluster', async () => {
    const h = await harness(60_000, { 'sandbox-b/payments/reconciler-ledger-writer': { userAgent: OLD_JAVA } });
    try {
      const final = await run(h, {}, ['sandbox-a', 'sandbox-b']);
      assert.equal(final.phase, 'PreflightFailed');
      const blocking = final.findings.filter((f) => f.severity === 'blocking');
      assert.deepEqual(
        blocking.map((f) => [f.code, f.cluster]),
        [['sdk-too-old', 'sandbox-b']],
      );
      assert.match(blocking[0]!.message, /Java \(Version 2\) 2\.20\.1, older than 2\.21\.30/);
      assert.match(blocking[0]!.message, /StatefulSet\/reconciler-ledger-writer/);
      assert.ok(final.evidence!.sdkAudit!.usages.some((u) => u.verdict === 'too-old' && u.version === '2.20.1'));
      assert.deepEqual((await h.fleet.control.essentials()).associations, [], 'nothing changed');
    } finally {
      await h.stop();
    }
  });
});
