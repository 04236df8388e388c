import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities/index.js';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { onPodIdentity, RECONCILER } from '../support/sandbox-fixtures.js';
import { inActivity } from '../support/activity-context.js';

const SA = { namespace: 'payments', name: 'reconciler' };
const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';

function setup() {
  const fleet = createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 50 });
  const activities = createActivities({
    ...fleet,
    notifier: createConsoleNotifier(() => undefined),
    rolloutPollMs: 20,
  });
  return { fleet, activities };
}

const input = (expect: 'pod-identity' | 'irsa') => ({
  cluster: 'sandbox-a',
  serviceAccount: SA,
  restartedAt: new Date().toISOString(),
  timeoutSeconds: 30,
  check: { roleArn: ROLE, expect },
});

describe('restartAwaitAndVerify activity (a restart, its rollouts and the credentials check, one round trip)', () => {
  test('checks the pods the restart created, once their rollouts are complete', async () => {
    const { fleet, activities } = setup();
    await onPodIdentity(fleet);
    const before = await fleet.kubernetes.getWorkloadStatus('sandbox-a', RECONCILER);
    const { result, heartbeats } = await inActivity(() => activities.restartAwaitAndVerify(input('pod-identity')));
    assert.deepEqual(result.restarted, [RECONCILER]);
    assert.equal(result.detail, 'rollout complete: deployment/reconciler');
    assert.ok('passed' in result.check, JSON.stringify(result.check));
    assert.match(result.check.passed.detail, /^2 pod\(s\) on pod-identity; caller identity Deployment\/reconciler: /);
    assert.deepEqual(heartbeats.at(-1), { checking: 1 }, 'it heartbeats while it checks');
    const after = await fleet.kubernetes.getWorkloadStatus('sandbox-a', RECONCILER);
    assert.equal(after.generation, before.generation + 1, 'one rollout');
  });

  test('a failed check is an answer, not a failure: the restart is done and the workflow records the check', async () => {
    const { fleet, activities } = setup();
    // No association: the restarted pods come up on IRSA.
    const before = await fleet.kubernetes.getWorkloadStatus('sandbox-a', RECONCILER);
    const { result } = await inActivity(() => activities.restartAwaitAndVerify(input('pod-identity')));
    assert.deepEqual(result.restarted, [RECONCILER]);
    assert.ok('failed' in result.check, JSON.stringify(result.check));
    assert.equal(result.check.failed.type, 'VerificationFailed');
    assert.match(result.check.failed.message, /expected every pod on pod-identity, but reconciler-.* is on irsa/);
    const after = await fleet.kubernetes.getWorkloadStatus('sandbox-a', RECONCILER);
    assert.equal(after.generation, before.generation + 1);
  });

  test('an error a retry may clear fails the activity; the retry (same restartedAt) starts no second rollout and checks again', async () => {
    const { fleet, activities } = setup();
    await onPodIdentity(fleet);
    await fleet.control.setFault({ cluster: 'sandbox-a', step: 'list-pods', kind: 'throttle' });
    const same = input('pod-identity');
    await assert.rejects(
      inActivity(() => activities.restartAwaitAndVerify(same)),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'Throttled' && !err.nonRetryable,
    );
    const first = await fleet.kubernetes.getWorkloadStatus('sandbox-a', RECONCILER);
    const { result } = await inActivity(() => activities.restartAwaitAndVerify(same));
    const second = await fleet.kubernetes.getWorkloadStatus('sandbox-a', RECONCILER);
    assert.equal(second.generation, first.generation, 'the retry restarted nothing');
    assert.ok('passed' in result.check, JSON.stringify(result.check));
  });
});
