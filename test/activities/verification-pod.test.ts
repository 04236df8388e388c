import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities/index.js';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import {
  ALL_VERIFICATION_PODS,
  DEFAULT_PROBE,
  EXPIRES_AT_ANNOTATION,
  runSelector,
} from '../../src/domain/verification-pod.js';
import type { VerificationPodSpec } from '../../src/domain/verification-pod.js';
import type { KubernetesPort } from '../../src/ports/kubernetes.js';
import { createSandboxFleet, type SandboxFleet } from '../../src/sandbox/index.js';
import { onPodIdentity, verificationPodSpec } from '../support/sandbox-fixtures.js';

const SA = { namespace: 'payments', name: 'reconciler' };
const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';
const RUN = '0123456789abcdef';
const INPUT = {
  cluster: 'sandbox-a',
  serviceAccount: SA,
  roleArn: ROLE,
  expect: 'pod-identity' as const,
  runKey: RUN,
  workflowId: 'migrate-identity/payments/reconciler',
};

function setup(probe = DEFAULT_PROBE) {
  const fleet = createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 0 });
  const activities = createActivities({
    ...fleet,
    notifier: createConsoleNotifier(() => undefined),
    verificationProbe: probe,
    verificationPollMs: 5,
  });
  return { fleet, activities };
}

const remaining = (fleet: SandboxFleet) => fleet.kubernetes.listPodsWithLabels('sandbox-a', ALL_VERIFICATION_PODS);

describe('runVerificationPod activity', () => {
  test('on Pod Identity: the pod answers as the role with an eks-sandbox-a- session, and is deleted', async () => {
    const { fleet, activities } = setup();
    await onPodIdentity(fleet);
    const result = await activities.runVerificationPod(INPUT);
    assert.match(
      result.detail,
      new RegExp(
        `^verification pod mi-verify-${RUN}-[0-9a-f]{6}: caller identity arn:aws:sts::111122223333:assumed-role/eks-payments-reconciler/eks-sandbox-a-mi-verify-`,
      ),
    );
    assert.deepEqual(result.warnings, []);
    assert.deepEqual(await remaining(fleet), []);
    const calls = await fleet.control.calls();
    assert.equal(calls['sandbox-a:createPod'], 1);
    assert.equal(calls['sandbox-a:deletePod'], 1);
  });

  test('whatever the app image holds: a distroless workload is verified through the probe image', async () => {
    const { fleet, activities } = setup();
    await fleet.control.putWorkload('sandbox-a', {
      namespace: 'payments',
      name: 'reconciler',
      serviceAccount: 'reconciler',
      containers: [{ name: 'app', image: 'gcr.io/distroless/static:nonroot', awsCli: false }],
    });
    await onPodIdentity(fleet);
    const result = await activities.runVerificationPod(INPUT);
    assert.match(
      result.detail,
      /caller identity arn:aws:sts::111122223333:assumed-role\/eks-payments-reconciler\/eks-sandbox-a-/,
    );
  });

  test('without an association the pod gets no Pod Identity: VerificationFailed, not retried, pod deleted', async () => {
    const { fleet, activities } = setup();
    await assert.rejects(
      activities.runVerificationPod(INPUT),
      (err: unknown) =>
        err instanceof ApplicationFailure &&
        err.type === 'VerificationFailed' &&
        err.nonRetryable &&
        /sandbox-a: verification pod mi-verify-.*: the webhook gave pod .* irsa credentials, not pod-identity/.test(
          err.message,
        ),
    );
    assert.deepEqual(await remaining(fleet), []);
  });

  test('a probe image nobody can pull is a recorded warning (the probe could not run), not a verdict', async () => {
    const { fleet, activities } = setup({ ...DEFAULT_PROBE, image: 'registry.example.com/no/such:1' });
    await onPodIdentity(fleet);
    const result = await activities.runVerificationPod(INPUT);
    assert.equal(result.detail, 'verification pod could not run');
    assert.match(
      result.warnings[0] ?? '',
      /^sandbox-a: verification pod mi-verify-.*: probe image cannot be pulled \(ErrImagePull\)/,
    );
    assert.deepEqual(await remaining(fleet), []);
  });

  test("the pod takes the workload's node selector, with the service account and the run's labels", async () => {
    const fleet = createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 0 });
    const created: VerificationPodSpec[] = [];
    const kubernetes: KubernetesPort = {
      ...fleet.kubernetes,
      createPod: (cluster, spec) => {
        created.push(spec);
        return fleet.kubernetes.createPod(cluster, spec);
      },
    };
    const activities = createActivities({
      ...fleet,
      kubernetes,
      notifier: createConsoleNotifier(() => undefined),
      verificationProbe: DEFAULT_PROBE,
      verificationPollMs: 5,
    });
    await fleet.control.putWorkload('sandbox-a', {
      namespace: 'payments',
      name: 'reconciler',
      serviceAccount: 'reconciler',
      nodeSelector: { 'topology.kubernetes.io/zone': 'us-east-1b' },
      containers: [{ name: 'app', image: 'app:1' }],
    });
    await onPodIdentity(fleet);
    assert.match((await activities.runVerificationPod(INPUT)).detail, /caller identity/);
    assert.equal(created.length, 1);
    assert.deepEqual(created[0]?.nodeSelector, { 'topology.kubernetes.io/zone': 'us-east-1b' });
    assert.equal(created[0]?.serviceAccount, 'reconciler');
    assert.deepEqual(created[0]?.labels, { ...runSelector(RUN), 'app.kubernetes.io/managed-by': 'migrate-identity' });
    assert.equal(created[0]?.image, DEFAULT_PROBE.image);
  });

  test("an earlier attempt's pod of the same run is swept first, and said so", async () => {
    const { fleet, activities } = setup();
    await onPodIdentity(fleet);
    const leftover = verificationPodSpec('payments', 'reconciler', { runKey: RUN });
    await fleet.kubernetes.createPod('sandbox-a', leftover);
    const result = await activities.runVerificationPod(INPUT);
    assert.match(
      result.warnings[0] ?? '',
      new RegExp(`deleted verification pod payments/${leftover.name} left by an earlier attempt`),
    );
    assert.deepEqual(await remaining(fleet), []);
  });

  test('with no probe configured it does nothing', async () => {
    const fleet = createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 0 });
    const activities = createActivities({ ...fleet, notifier: createConsoleNotifier(() => undefined) });
    assert.deepEqual(await activities.runVerificationPod(INPUT), { detail: '', warnings: [] });
    assert.equal((await fleet.control.calls())['sandbox-a:createPod'], undefined);
  });
});

describe('sweepVerificationPods activity', () => {
  test("a run's sweep takes its own pods; a fleet sweep only those past their expiry", async () => {
    const { fleet, activities } = setup();
    const mine = verificationPodSpec('payments', 'reconciler', { runKey: RUN });
    const fresh = verificationPodSpec('payments', 'reconciler', { runKey: 'aaaaaaaaaaaaaaaa' });
    const stale = {
      ...verificationPodSpec('payments', 'reconciler', { runKey: 'bbbbbbbbbbbbbbbb' }),
    };
    stale.annotations = { ...stale.annotations, [EXPIRES_AT_ANNOTATION]: '2020-01-01T00:00:00.000Z' };
    for (const spec of [mine, fresh, stale]) await fleet.kubernetes.createPod('sandbox-a', spec);

    const own = await activities.sweepVerificationPods({ cluster: 'sandbox-a', runKey: RUN, namespace: 'payments' });
    assert.deepEqual(own, { deleted: [`payments/${mine.name}`], failed: [] });
    const fleetWide = await activities.sweepVerificationPods({ cluster: 'sandbox-a' });
    assert.deepEqual(fleetWide, { deleted: [`payments/${stale.name}`], failed: [] });
    assert.deepEqual(
      (await remaining(fleet)).map((p) => p.name),
      [fresh.name],
    );
    assert.deepEqual(await fleet.kubernetes.listPodsWithLabels('sandbox-a', runSelector(RUN)), []);
  });
});
