import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { MigrationState } from '../../src/domain/migration-state.js';
import type { MigrationInput } from '../../src/domain/types.js';
import { workflowIdFor } from '../../src/domain/workflow-id.js';
import { hasPodIdentityTrust } from '../../src/domain/trust-policy.js';
import { decisionUpdate } from '../../workflows/messages.js';
import { interleavingIam } from '../support/interleaving-iam.js';
import { assertInvariantNow, watchInvariant } from '../support/invariant.js';
import { APPROVER, migrationInput, startHarness, waitForState, type Harness } from '../support/migration-harness.js';
import { createTimeSkippingEnv } from '../support/temporal.js';

/*
 * Shared roles (issue 12 §1). The seed's 1:17 AM incident was a role that lost trust its
 * pods relied on; the tool must never cause it. Runs on the time-skipping server with time
 * skipping locked (only queries, no result waits): timers run on the wall clock, like the
 * sandbox's, and the credential invariant is checked after every sandbox call.
 */
const SHARED_ROLE_ARN = 'arn:aws:iam::111122223333:role/eks-payments-shared';
const SHARED_CLUSTERS = ['sandbox-a', 'sandbox-c'];
const FAST = { soakSeconds: 0, consistencyWaitSeconds: 1 };
const TERMINAL = ['Completed', 'RolledBack', 'RollbackFailed', 'PreflightFailed', 'MigratedNotCleaned'];

const reconciler = () => migrationInput(FAST);
const shared = (name: 'settlement' | 'payouts') =>
  migrationInput(FAST, {
    serviceAccount: { namespace: 'payments', name },
    roleArn: SHARED_ROLE_ARN,
    clusters: SHARED_CLUSTERS,
  });

describe('shared roles: a rerun or a second service account never strips trust others use', () => {
  let env: TestWorkflowEnvironment;
  let h: Harness;
  const watch = watchInvariant();
  const interleaving = { enabled: false };

  before(async () => {
    env = await createTimeSkippingEnv();
    h = await startHarness(env, {
      sandbox: { observe: watch.observe },
      iam: (iam) => interleavingIam(iam, interleaving),
    });
  });
  after(async () => {
    await h?.stop();
    await env?.teardown();
  });
  beforeEach(async () => {
    // A test that failed half-way leaves its runs behind: end them before the next one.
    for (const input of [reconciler(), shared('settlement'), shared('payouts')]) {
      await handleOf(input)
        .terminate('next test')
        .catch(() => undefined);
    }
    await h.fleet.control.reset();
    watch.clear();
    interleaving.enabled = false;
  });

  const handleOf = (input: MigrationInput) => env.client.workflow.getHandle(workflowIdFor(input.serviceAccount));
  /**
   * The final phase is set before the run's last notification: a test that starts the same
   * service account again waits for the run itself to close. Polls describe (a result wait
   * would unlock time skipping).
   */
  async function closed(input: MigrationInput) {
    const deadline = Date.now() + 30_000;
    while ((await handleOf(input).describe()).status.name === 'RUNNING') {
      assert.ok(Date.now() < deadline, `${handleOf(input).workflowId} still running 30 s after its final phase`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  async function startAndWait(input: MigrationInput, phase: (s: MigrationState) => boolean) {
    await h.service.start(input);
    const state = await waitForState(handleOf(input), (s) => phase(s) || TERMINAL.includes(s.phase));
    if (TERMINAL.includes(state.phase)) await closed(input);
    return state;
  }
  async function decide(input: MigrationInput, decision: 'approve' | 'reject') {
    await handleOf(input).executeUpdate(decisionUpdate, { args: [{ decision, by: APPROVER }] });
    const state = await waitForState(handleOf(input), (s) => TERMINAL.includes(s.phase));
    await closed(input);
    return state;
  }
  const atGate = (s: MigrationState) => s.phase === 'AwaitingApproval';
  async function trustOf(roleName: string) {
    return (await h.fleet.control.essentials()).trustPolicies[roleName]!;
  }
  /** Whether the role trusts Pod Identity for the pods of this run (its plan's scope). */
  async function trustsPodsOf(roleName: string, run: MigrationState) {
    assert.ok(run.plan?.trust.scope, `${run.workflowId} planned a scoped trust`);
    return hasPodIdentityTrust(await trustOf(roleName), run.plan.trust.scope);
  }

  test('migrate to Completed, start again (associations reused), Reject: the Pod Identity trust stays', async () => {
    const input = reconciler();
    assert.equal((await startAndWait(input, atGate)).phase, 'AwaitingApproval');
    assert.equal((await decide(input, 'approve')).phase, 'Completed');
    const completed = await h.fleet.control.essentials();

    const rerun = await startAndWait(input, atGate);
    assert.equal(rerun.phase, 'AwaitingApproval', JSON.stringify(rerun.failure));
    assert.ok(rerun.clusters.every((c) => c.reusedAssociationId !== undefined && c.createdAssociationId === undefined));
    assert.equal(rerun.rollbackNote.podIdentityTrustedBefore, true);
    assert.equal(rerun.rollbackNote.addedTrustStatementSid, undefined, 'the rerun wrote no trust');
    const final = await decide(input, 'reject');
    assert.equal(final.phase, 'RolledBack', JSON.stringify(final.failure));

    const after = await h.fleet.control.essentials();
    assert.ok(
      hasPodIdentityTrust(after.trustPolicies['eks-payments-reconciler']!, final.plan?.trust.scope),
      'Pod Identity trust kept',
    );
    assert.deepEqual(after.associations, completed.associations, 'associations reused, not deleted');
    watch.assertHeld('rerun + Reject');
    await assertInvariantNow(h.fleet, 'after the rerun was rolled back');
  });

  test('a rerun after the approval window ended on hold, rejected, leaves the pods on Pod Identity as they were', async () => {
    const held = migrationInput({ ...FAST, approvalWindowSeconds: 2, approvalReminderSeconds: 60 });
    assert.equal((await startAndWait(held, (s) => s.phase === 'MigratedNotCleaned')).phase, 'MigratedNotCleaned');
    const before = await h.fleet.control.essentials();

    const rerun = await startAndWait(reconciler(), atGate);
    assert.equal(rerun.phase, 'AwaitingApproval', JSON.stringify(rerun.failure));
    const final = await decide(reconciler(), 'reject');
    assert.equal(final.phase, 'RolledBack', JSON.stringify({ failure: final.failure, manual: final.manualSteps }));
    for (const c of final.clusters) {
      assert.match(
        c.steps.filter((s) => s.step === 'rollback-verify').at(-1)?.detail ?? '',
        /pod\(s\) on pod-identity/,
      );
    }
    assert.deepEqual(
      await h.fleet.control.essentials(),
      before,
      'associations, annotations, trust and pods as before the rerun',
    );
    watch.assertHeld('rerun after hold + Reject');
    await assertInvariantNow(h.fleet, 'after the rerun was rolled back');
  });

  test('a second service account on a migrated role, rejected, leaves the first one its trust', async () => {
    const settlement = shared('settlement');
    assert.equal((await startAndWait(settlement, atGate)).phase, 'AwaitingApproval');
    const completed = await decide(settlement, 'approve');
    assert.equal(completed.phase, 'Completed');

    const payouts = shared('payouts');
    const gate = await startAndWait(payouts, atGate);
    assert.equal(gate.phase, 'AwaitingApproval', JSON.stringify(gate.failure));
    assert.equal(gate.rollbackNote.addedTrustStatementSid, undefined);
    const final = await decide(payouts, 'reject');
    assert.equal(final.phase, 'RolledBack', JSON.stringify(final.failure));

    assert.ok(await trustsPodsOf('eks-payments-shared', completed), "settlement's pods keep their trust");
    const associations = (await h.fleet.control.essentials()).associations;
    assert.deepEqual(
      associations.map((a) => `${a.cluster} ${a.serviceAccount}`),
      ['sandbox-a settlement', 'sandbox-c settlement'],
      "payouts' associations deleted, settlement's kept",
    );
    watch.assertHeld('second service account + Reject');
    await assertInvariantNow(h.fleet, 'after payouts was rolled back');
  });

  test('the run that wrote the trust keeps it on rollback while another service account uses the role', async () => {
    const before = await trustOf('eks-payments-shared');
    const settlement = shared('settlement');
    const first = await startAndWait(settlement, atGate);
    assert.equal(first.rollbackNote.addedTrustStatementSid, 'MigrateIdentityPodIdentity', 'settlement wrote it');
    const payouts = shared('payouts');
    const payoutsGate = await startAndWait(payouts, atGate);
    assert.equal(payoutsGate.phase, 'AwaitingApproval');
    // The scoped statement settlement wrote, widened to payouts: still settlement's to remove.
    assert.equal(payoutsGate.rollbackNote.addedTrustStatementSid, undefined, 'payouts only widened it');

    const rolledBack = await decide(settlement, 'reject');
    assert.equal(rolledBack.phase, 'RolledBack', JSON.stringify(rolledBack.failure));
    assert.ok(
      rolledBack.warnings.some((w) =>
        /statement MigrateIdentityPodIdentity kept: associations still use the role: sandbox-a payments\/payouts/.test(
          w,
        ),
      ),
      rolledBack.warnings.join('\n'),
    );
    assert.ok(await trustsPodsOf('eks-payments-shared', payoutsGate), 'payouts still relies on it');
    watch.assertHeld('writer rolled back under a user');

    assert.equal((await decide(payouts, 'reject')).phase, 'RolledBack');
    // Neither run can remove it now: the writer saw it in use, the other never wrote it. Safe, and said.
    assert.notDeepEqual(await trustOf('eks-payments-shared'), before);
    watch.assertHeld('both rolled back');
    await assertInvariantNow(h.fleet, 'after both were rolled back');
  });

  test('two runs on one role at once: trust writes serialised, one statement, nothing lost, each rollback safe', async () => {
    const before = await trustOf('eks-payments-shared');
    const settlement = shared('settlement');
    const payouts = shared('payouts');
    interleaving.enabled = true;
    await Promise.all([h.service.start(settlement), h.service.start(payouts)]);
    const [a, b] = await Promise.all(
      [settlement, payouts].map((input) =>
        waitForState(handleOf(input), (s) => atGate(s) || TERMINAL.includes(s.phase)),
      ),
    );
    assert.equal(a!.phase, 'AwaitingApproval', JSON.stringify(a!.failure));
    assert.equal(b!.phase, 'AwaitingApproval', JSON.stringify(b!.failure));
    // The trust is scoped per service account: one run appends the statement, the other,
    // reading it under the lock, widens that one to its own service account. Nothing lost.
    const calls = await h.fleet.control.calls();
    assert.equal(calls['*:updateTrustPolicy'], 2, 'one write each, one after the other');
    const statements = (await trustOf('eks-payments-shared')).Statement.filter(
      (s) => s.Sid === 'MigrateIdentityPodIdentity',
    );
    assert.equal(statements.length, 1, 'the second run read the first one write under the lock');
    assert.ok(await trustsPodsOf('eks-payments-shared', a!), 'settlement admitted');
    assert.ok(await trustsPodsOf('eks-payments-shared', b!), 'payouts admitted');
    const writers = [a!, b!].filter((s) => s.rollbackNote.addedTrustStatementSid !== undefined);
    assert.equal(writers.length, 1, 'exactly one run wrote the statement');
    const writer = writers[0] === a ? settlement : payouts;
    const other = writer === settlement ? payouts : settlement;

    assert.equal((await decide(other, 'reject')).phase, 'RolledBack');
    assert.ok(
      await trustsPodsOf('eks-payments-shared', writer === settlement ? a! : b!),
      "the writer's pods keep their trust",
    );
    watch.assertHeld('the run that did not write rolled back');

    assert.equal((await decide(writer, 'reject')).phase, 'RolledBack');
    assert.deepEqual(await trustOf('eks-payments-shared'), before, 'the writer, last one out, removed it');
    assert.deepEqual((await h.fleet.control.essentials()).associations, []);
    watch.assertHeld('both rolled back');
    await assertInvariantNow(h.fleet, 'after both were rolled back');
  });
});
