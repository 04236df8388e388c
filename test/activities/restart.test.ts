import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities/index.js';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { RECONCILER } from '../support/sandbox-fixtures.js';
import { inActivity } from '../support/activity-context.js';

const SA = { namespace: 'payments', name: 'reconciler' };

function setup(podStartMs = 50) {
  const fleet = createSandboxFleet({ consistencyDelayMs: 0, podStartMs });
  const activities = createActivities({
    ...fleet,
    notifier: createConsoleNotifier(() => undefined),
    rolloutPollMs: 20,
  });
  return { fleet, activities };
}

describe('restartAndAwaitRollouts activity (a restart and its rollout wait, one round trip)', () => {
  test('restarts the workloads of the service account and returns once their rollouts are complete, heartbeating', async () => {
    const { fleet, activities } = setup(300);
    const before = await fleet.kubernetes.getWorkloadStatus('sandbox-a', RECONCILER);
    const { result, heartbeats } = await inActivity(() =>
      activities.restartAndAwaitRollouts({
        cluster: 'sandbox-a',
        serviceAccount: SA,
        restartedAt: new Date().toISOString(),
        timeoutSeconds: 30,
      }),
    );
    assert.deepEqual(result.restarted, [RECONCILER]);
    assert.equal(result.detail, 'rollout complete: deployment/reconciler');
    assert.ok(heartbeats.length > 0, 'the wait heartbeats while pods start');
    const after = await fleet.kubernetes.getWorkloadStatus('sandbox-a', RECONCILER);
    assert.equal(after.generation, before.generation + 1, 'one rollout');
    assert.equal(after.updatedReplicas, after.desiredReplicas);
  });

  test('a retry (same restartedAt) starts no second rollout and finds it complete', async () => {
    const { fleet, activities } = setup();
    const input = {
      cluster: 'sandbox-a',
      serviceAccount: SA,
      restartedAt: new Date().toISOString(),
      timeoutSeconds: 30,
    };
    await inActivity(() => activities.restartAndAwaitRollouts(input));
    const first = await fleet.kubernetes.getWorkloadStatus('sandbox-a', RECONCILER);
    const { result } = await inActivity(() => activities.restartAndAwaitRollouts(input));
    const second = await fleet.kubernetes.getWorkloadStatus('sandbox-a', RECONCILER);
    assert.equal(second.generation, first.generation);
    assert.equal(result.detail, 'rollout complete: deployment/reconciler');
  });

  test('a stuck rollout fails as RolloutFailed, not retried', async () => {
    const { fleet, activities } = setup();
    await fleet.control.setFault({ cluster: 'sandbox-a', step: 'rollout', kind: 'stuck' });
    await assert.rejects(
      inActivity(() =>
        activities.restartAndAwaitRollouts({
          cluster: 'sandbox-a',
          serviceAccount: SA,
          restartedAt: new Date().toISOString(),
          timeoutSeconds: 1,
        }),
      ),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'RolloutFailed' && err.nonRetryable === true,
    );
  });
});
