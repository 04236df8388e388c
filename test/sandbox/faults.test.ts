import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPortError } from '../../src/ports/errors.js';
import type { Fault, FaultStep, SandboxFleet } from '../../src/sandbox/index.js';
import { createSandboxFleet, FAULT_KINDS, FAULT_STEPS } from '../../src/sandbox/index.js';
import { RECONCILER, reconcilerAssociation, STS_PROBE, verificationPodSpec } from '../support/sandbox-fixtures.js';

const fresh = () => createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 1 });
const SEED_ISO = '2025-01-06T09:00:00.000Z';

/** One call per fault step, against the seeded fleet. */
function callFor(fleet: SandboxFleet, step: FaultStep, cluster: string): () => Promise<unknown> {
  const k = fleet.kubernetes;
  switch (step) {
    case 'describe-cluster':
      return () => fleet.eks.describeCluster(cluster);
    case 'create-association':
      return () => fleet.eks.createPodIdentityAssociation(reconcilerAssociation(cluster));
    case 'delete-association':
      return () => fleet.eks.deletePodIdentityAssociation(cluster, 'a-unknown');
    case 'annotate':
      return () => k.setServiceAccountAnnotation(cluster, 'payments', 'reconciler', 'x', 'y');
    case 'restart':
      return () => k.restartWorkload(cluster, RECONCILER, new Date().toISOString());
    case 'rollout':
      return () => k.getWorkloadStatus(cluster, RECONCILER);
    case 'list-pods':
      return () => k.listPods(cluster, 'payments', 'reconciler');
    case 'exec':
      return () => k.exec(cluster, 'payments', 'nope', 'reconciler', STS_PROBE);
    case 'get-role':
      return () => fleet.iam.getRole('eks-payments-reconciler');
    case 'update-trust':
      return () => fleet.iam.updateTrustPolicy('eks-payments-reconciler', { Statement: [] });
    case 'lookup-events':
      return () =>
        fleet.cloudTrail.lookupEvents(cluster, { eventName: 'AssumeRoleWithWebIdentity', startTime: SEED_ISO });
    case 'probe-pod':
      return () => k.createPod(cluster, verificationPodSpec('payments', 'reconciler'));
  }
}

const EXPECTED_KIND = { error: 'access-denied', throttle: 'throttled', timeout: 'timeout' } as const;

describe('sandbox faults', () => {
  for (const step of FAULT_STEPS) {
    for (const kind of ['error', 'throttle', 'timeout'] as const) {
      test(`${kind} on ${step} throws ${EXPECTED_KIND[kind]} once, then the call runs normally`, async () => {
        const fleet = fresh();
        const cluster = step === 'get-role' || step === 'update-trust' ? '*' : 'sandbox-a';
        await fleet.control.setFault({ cluster, step, kind });
        const call = callFor(fleet, step, 'sandbox-a');
        await assert.rejects(call(), (err) => {
          assert.ok(isPortError(err, EXPECTED_KIND[kind]), String(err));
          assert.equal(err.message, `sandbox fault injected: ${cluster} ${step} ${kind}`);
          assert.equal(err.retryable, kind !== 'error');
          return true;
        });
        // The second call is not faulted: it succeeds or fails for its own reasons.
        await call().catch((err: unknown) => assert.ok(!String(err).includes('sandbox fault injected'), String(err)));
        assert.deepEqual(await fleet.control.faults(), []);
      });
    }
  }

  test('count fires that many times; -1 fires forever', async () => {
    const fleet = fresh();
    const describeB = () => fleet.eks.describeCluster('sandbox-b');
    await fleet.control.setFault({ cluster: 'sandbox-b', step: 'describe-cluster', kind: 'throttle', count: 2 });
    await assert.rejects(describeB(), { kind: 'throttled' });
    await assert.rejects(describeB(), { kind: 'throttled' });
    assert.equal((await describeB()).name, 'sandbox-b');
    await fleet.control.setFault({ cluster: 'sandbox-b', step: 'describe-cluster', kind: 'error', count: -1 });
    for (let i = 0; i < 5; i += 1) await assert.rejects(describeB(), { kind: 'access-denied' });
    await fleet.control.clearFaults();
    assert.equal((await describeB()).name, 'sandbox-b');
  });

  test('a fault only hits its own cluster; `*` hits every cluster', async () => {
    const fleet = fresh();
    await fleet.control.setFault({ cluster: 'sandbox-a', step: 'list-pods', kind: 'timeout' });
    assert.ok((await fleet.kubernetes.listPods('sandbox-b', 'payments', 'reconciler')).length > 0);
    await assert.rejects(fleet.kubernetes.listPods('sandbox-a', 'payments', 'reconciler'), { kind: 'timeout' });
    await fleet.control.setFault({ cluster: '*', step: 'list-pods', kind: 'timeout' });
    await assert.rejects(fleet.kubernetes.listPods('sandbox-c', 'payments', 'reconciler'), { kind: 'timeout' });
  });

  test('a faulted call changes nothing but is counted', async () => {
    const fleet = fresh();
    await fleet.control.setFault({ cluster: 'sandbox-a', step: 'create-association', kind: 'error' });
    await assert.rejects(fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a')));
    assert.deepEqual(await fleet.eks.findPodIdentityAssociations('sandbox-a', 'payments', 'reconciler'), []);
    const calls = await fleet.control.calls();
    assert.equal(calls['sandbox-a:createPodIdentityAssociation'], 1);
    assert.equal(calls['sandbox-a:findPodIdentityAssociations'], 1);
  });

  test('setFault refuses what cannot happen', async () => {
    const fleet = fresh();
    const bad: Fault[] = [
      { cluster: 'sandbox-a', step: 'exec', kind: 'stuck' },
      { cluster: 'sandbox-a', step: 'nope' as FaultStep, kind: 'error' },
      { cluster: 'sandbox-a', step: 'exec', kind: 'boom' as 'error' },
      { cluster: 'sandbox-a', step: 'exec', kind: 'error', count: 0 },
      { cluster: '', step: 'exec', kind: 'error' },
    ];
    for (const fault of bad) await assert.rejects(fleet.control.setFault(fault), { kind: 'validation' });
    assert.deepEqual(await fleet.control.faults(), []);
    assert.deepEqual(FAULT_KINDS, ['error', 'throttle', 'timeout', 'stuck']);
  });
});

describe('sandbox faults: scope', () => {
  test('IAM is not per cluster: an IAM fault armed on a cluster is refused, not armed to never fire', async () => {
    const fleet = fresh();
    for (const step of ['get-role', 'update-trust'] as const) {
      await assert.rejects(fleet.control.setFault({ cluster: 'sandbox-a', step, kind: 'error' }), (err: unknown) => {
        assert.ok(isPortError(err, 'validation'));
        assert.match(
          err.message,
          new RegExp(`^${step} is an IAM call, and IAM is not per cluster: arm it on cluster \\*`),
        );
        return true;
      });
    }
    assert.deepEqual(await fleet.control.faults(), []);
  });
});
