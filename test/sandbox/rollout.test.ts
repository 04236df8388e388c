import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rolloutStatus } from '../../src/domain/rollout.js';
import type { WorkloadRef } from '../../src/domain/types.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { LEDGER_WRITER, livePods, manualClock, RECONCILER, settleRollout } from '../support/sandbox-fixtures.js';

function setup() {
  const clock = manualClock();
  const fleet = createSandboxFleet({ now: clock.now, consistencyDelayMs: 0, podStartMs: 500 });
  return { clock, fleet };
}

describe('sandbox rollouts', () => {
  test('a Deployment restart replaces pods one at a time, each 500 ms after the previous', async () => {
    const { clock, fleet } = setup();
    const status = () => fleet.kubernetes.getWorkloadStatus('sandbox-a', RECONCILER);
    const before = await status();
    assert.equal(rolloutStatus(before).state, 'done');
    const restartedAt = clock.iso();
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, restartedAt);

    const s0 = await status();
    assert.equal(s0.restartedAt, restartedAt);
    assert.equal(s0.generation, before.generation + 1);
    assert.equal(s0.observedGeneration, s0.generation);
    assert.deepEqual([s0.currentReplicas, s0.updatedReplicas, s0.readyReplicas], [3, 1, 2]);
    assert.equal(rolloutStatus(s0).state, 'progressing');
    assert.equal(s0.conditions.find((c) => c.type === 'Progressing')?.reason, 'ReplicaSetUpdated');

    clock.advance(500);
    const s1 = await status();
    assert.deepEqual([s1.currentReplicas, s1.updatedReplicas, s1.readyReplicas], [3, 2, 2]);
    assert.equal(rolloutStatus(s1).state, 'progressing');
    const pods = await fleet.kubernetes.listPods('sandbox-a', 'payments', 'reconciler');
    assert.equal(pods.filter((p) => p.terminating).length, 1, 'the replaced pod is terminating');

    clock.advance(499);
    assert.equal(rolloutStatus(await status()).state, 'progressing');
    clock.advance(1);
    const s2 = await status();
    assert.deepEqual([s2.currentReplicas, s2.updatedReplicas, s2.availableReplicas], [2, 2, 2]);
    assert.equal(rolloutStatus(s2).state, 'done');
    assert.equal(s2.conditions.find((c) => c.type === 'Progressing')?.reason, 'NewReplicaSetAvailable');
    const workloads = await fleet.kubernetes.listWorkloads('sandbox-a', 'payments', 'reconciler');
    assert.equal(workloads[0]?.restartedAt, restartedAt);
  });

  test('a StatefulSet rolls from the highest ordinal and reports revisions like the controller', async () => {
    const { clock, fleet } = setup();
    const status = () => fleet.kubernetes.getWorkloadStatus('sandbox-b', LEDGER_WRITER);
    const before = await status();
    assert.equal(before.currentRevision, before.updateRevision);
    await fleet.kubernetes.restartWorkload('sandbox-b', LEDGER_WRITER, clock.iso());
    const s0 = await status();
    assert.notEqual(s0.updateRevision, s0.currentRevision);
    assert.equal(s0.currentRevision, before.currentRevision);
    assert.equal(rolloutStatus(s0).state, 'progressing');
    const names = (await livePods(fleet, 'sandbox-b')).filter((p) => p.owner?.kind === 'StatefulSet');
    assert.deepEqual(names.map((p) => p.name).sort(), ['reconciler-ledger-writer-0', 'reconciler-ledger-writer-1']);
    await settleRollout(fleet, clock, 'sandbox-b', LEDGER_WRITER);
    const done = await status();
    assert.equal(done.currentRevision, done.updateRevision);
    assert.equal(done.updatedReplicas, 2);
  });

  test('a DaemonSet puts one new pod on each node', async () => {
    const { clock, fleet } = setup();
    await fleet.control.putServiceAccount('sandbox-a', { namespace: 'kube-system', name: 'agent', annotations: {} });
    const ref: WorkloadRef = { kind: 'DaemonSet', namespace: 'kube-system', name: 'node-agent' };
    await fleet.control.putWorkload('sandbox-a', {
      ...ref,
      serviceAccount: 'agent',
      containers: [{ image: 'agent:1' }],
    });
    const s = await fleet.kubernetes.getWorkloadStatus('sandbox-a', ref);
    assert.equal(s.desiredReplicas, 3, 'three EC2 nodes; the Fargate node is not eligible');
    await fleet.kubernetes.restartWorkload('sandbox-a', ref, clock.iso());
    assert.equal(rolloutStatus(await fleet.kubernetes.getWorkloadStatus('sandbox-a', ref)).state, 'progressing');
    await settleRollout(fleet, clock, 'sandbox-a', ref);
    const pods = (await fleet.kubernetes.listPods('sandbox-a', 'kube-system', 'agent')).filter((p) => !p.terminating);
    assert.equal(new Set(pods.map((p) => p.nodeName)).size, 3);
    const ds = await fleet.kubernetes.getDaemonSet('sandbox-a', 'kube-system', 'node-agent');
    assert.deepEqual([ds?.desiredNumberScheduled, ds?.numberReady], [3, 3]);
  });

  test('repeating a restart with the same restartedAt starts no new rollout', async () => {
    const { clock, fleet } = setup();
    const restartedAt = clock.iso();
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, restartedAt);
    const first = await fleet.kubernetes.getWorkloadStatus('sandbox-a', RECONCILER);
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, restartedAt);
    const second = await fleet.kubernetes.getWorkloadStatus('sandbox-a', RECONCILER);
    assert.equal(second.generation, first.generation);
    assert.equal(second.updatedReplicas, first.updatedReplicas);
  });

  test('a restart during a rollout supersedes it and the new one completes', async () => {
    const { clock, fleet } = setup();
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    clock.advance(250);
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    const s = await fleet.kubernetes.getWorkloadStatus('sandbox-a', RECONCILER);
    assert.equal(s.updatedReplicas, 1, 'only the newest template counts as updated');
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);
    const live = await livePods(fleet, 'sandbox-a');
    assert.equal(live.length, 2);
    assert.equal(new Set(live.map((p) => p.labels['pod-template-hash'])).size, 1);
  });

  test('a stuck rollout never progresses and reports ProgressDeadlineExceeded', async () => {
    const { clock, fleet } = setup();
    await fleet.control.setFault({ cluster: 'sandbox-a', step: 'rollout', kind: 'stuck' });
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    clock.advance(60_000);
    const s = await fleet.kubernetes.getWorkloadStatus('sandbox-a', RECONCILER);
    assert.equal(s.updatedReplicas, 1);
    assert.equal(s.readyReplicas, 2, 'the old pods keep serving');
    assert.equal(s.conditions.find((c) => c.type === 'Progressing')?.reason, 'ProgressDeadlineExceeded');
    assert.equal(rolloutStatus(s).state, 'failed');
    // Used up: the next rollout (a rollback's) completes.
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);
  });

  test('a stuck StatefulSet rollout just never finishes', async () => {
    const { clock, fleet } = setup();
    await fleet.control.setFault({ cluster: 'sandbox-b', step: 'rollout', kind: 'stuck' });
    await fleet.kubernetes.restartWorkload('sandbox-b', LEDGER_WRITER, clock.iso());
    clock.advance(60_000);
    const s = await fleet.kubernetes.getWorkloadStatus('sandbox-b', LEDGER_WRITER);
    assert.equal(rolloutStatus(s).state, 'progressing');
    assert.deepEqual(s.conditions, []);
  });

  test('restarting or reading a missing workload is not-found', async () => {
    const { clock, fleet } = setup();
    const missing: WorkloadRef = { kind: 'Deployment', namespace: 'payments', name: 'missing' };
    await assert.rejects(fleet.kubernetes.restartWorkload('sandbox-a', missing, clock.iso()), { kind: 'not-found' });
    await assert.rejects(fleet.kubernetes.getWorkloadStatus('sandbox-a', missing), { kind: 'not-found' });
  });
});
