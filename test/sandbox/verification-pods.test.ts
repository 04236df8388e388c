import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { credentialPath } from '../../src/domain/credentials.js';
import { judgeVerificationPod, PROBE_CONTAINER } from '../../src/domain/verification-pod.js';
import type { VerificationPodSpec } from '../../src/domain/verification-pod.js';
import { createSandboxFleet, type SandboxFleet } from '../../src/sandbox/index.js';
import {
  manualClock,
  reconcilerAssociation,
  ROLE_ARN,
  trustPodIdentity,
  verificationPodSpec,
} from '../support/sandbox-fixtures.js';

function setup() {
  const clock = manualClock();
  const fleet = createSandboxFleet({ now: clock.now, consistencyDelayMs: 0, podStartMs: 500 });
  return { clock, fleet };
}

/** Creates the pod, lets it run, returns what the verification reads. */
async function run(
  fleet: SandboxFleet,
  clock: ReturnType<typeof manualClock>,
  spec: VerificationPodSpec,
  waitMs = 1000,
) {
  await fleet.kubernetes.createPod('sandbox-a', spec);
  clock.advance(waitMs);
  const status = await fleet.kubernetes.getPod('sandbox-a', spec.namespace, spec.name);
  assert.ok(status, 'the pod exists');
  const finished = status.phase === 'Succeeded' || status.phase === 'Failed';
  const log =
    finished && status.container?.state === 'terminated'
      ? await fleet.kubernetes.readPodLog('sandbox-a', spec.namespace, spec.name, PROBE_CONTAINER)
      : undefined;
  return { status, log };
}

const expectA = { roleArn: ROLE_ARN, cluster: 'sandbox-a' };

describe('sandbox verification pods', () => {
  test('with an association the webhook injects Pod Identity, and the probe answers an eks-sandbox-a- session', async () => {
    const { clock, fleet } = setup();
    await trustPodIdentity(fleet);
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    const spec = verificationPodSpec('payments', 'reconciler');
    await fleet.kubernetes.createPod('sandbox-a', spec);
    const pending = await fleet.kubernetes.getPod('sandbox-a', 'payments', spec.name);
    assert.equal(pending?.phase, 'Pending');
    assert.deepEqual(pending?.container, { state: 'waiting', reason: 'ContainerCreating' });
    assert.equal(credentialPath(pending?.env ?? {}), 'pod-identity');
    await assert.rejects(fleet.kubernetes.readPodLog('sandbox-a', 'payments', spec.name, PROBE_CONTAINER), {
      kind: 'validation',
      message: `container "probe" in pod "${spec.name}" is waiting to start: ContainerCreating`,
    });
    clock.advance(1000);
    const done = await fleet.kubernetes.getPod('sandbox-a', 'payments', spec.name);
    assert.equal(done?.phase, 'Succeeded');
    const log = await fleet.kubernetes.readPodLog('sandbox-a', 'payments', spec.name, PROBE_CONTAINER);
    assert.match(
      log,
      /"Arn": "arn:aws:sts::111122223333:assumed-role\/eks-payments-reconciler\/eks-sandbox-a-mi-verify-/,
    );
    assert.equal(judgeVerificationPod(done, log, 'pod-identity', expectA).state, 'verified');
    // Listed like any pod of the service account, and gone at once when deleted.
    assert.ok(
      (await fleet.kubernetes.listPods('sandbox-a', 'payments', 'reconciler')).some((p) => p.name === spec.name),
    );
    await fleet.kubernetes.deletePod('sandbox-a', 'payments', spec.name);
    assert.equal(await fleet.kubernetes.getPod('sandbox-a', 'payments', spec.name), undefined);
  });

  test('without an association it gets IRSA, and a Pod Identity verification says the webhook injected no Pod Identity', async () => {
    const { clock, fleet } = setup();
    const { status, log } = await run(fleet, clock, verificationPodSpec('payments', 'reconciler'));
    assert.equal(credentialPath(status.env), 'irsa');
    assert.match(log ?? '', /botocore-session-/);
    const verdict = judgeVerificationPod(status, log, 'pod-identity', expectA);
    assert.equal(verdict.state === 'failed' && verdict.failure, 'not-injected');
    assert.equal(judgeVerificationPod(status, log, 'irsa', expectA).state, 'verified');
  });

  test('Pod Identity without the role trusting pods.eks.amazonaws.com: the agent answers AccessDenied', async () => {
    const { clock, fleet } = setup();
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    const { status, log } = await run(fleet, clock, verificationPodSpec('payments', 'reconciler'));
    assert.equal(status.phase, 'Failed');
    assert.equal(status.container?.exitCode, 254);
    const verdict = judgeVerificationPod(status, log, 'pod-identity', expectA);
    assert.equal(verdict.state === 'failed' && verdict.failure, 'credentials');
    assert.match(verdict.state === 'failed' ? verdict.message : '', /AssumeRoleForPodIdentity/);
  });

  test('an image no registry has: ErrImagePull, then ImagePullBackOff, then the deadline fails the pod', async () => {
    const { clock, fleet } = setup();
    const spec = verificationPodSpec('payments', 'reconciler', {
      image: 'registry.example.com/no-such/probe:1',
      deadlineSeconds: 60,
    });
    await fleet.kubernetes.createPod('sandbox-a', spec);
    clock.advance(1000);
    assert.equal(
      (await fleet.kubernetes.getPod('sandbox-a', 'payments', spec.name))?.container?.reason,
      'ErrImagePull',
    );
    clock.advance(20_000);
    const backOff = await fleet.kubernetes.getPod('sandbox-a', 'payments', spec.name);
    assert.ok(backOff);
    assert.equal(backOff.container?.reason, 'ImagePullBackOff');
    assert.equal(judgeVerificationPod(backOff, undefined, 'irsa', expectA).state, 'failed');
    clock.advance(60_000);
    const dead = await fleet.kubernetes.getPod('sandbox-a', 'payments', spec.name);
    assert.deepEqual([dead?.phase, dead?.reason], ['Failed', 'DeadlineExceeded']);
  });

  test('an image without the probe binary: containerd StartError, exit 128', async () => {
    const { clock, fleet } = setup();
    const spec = verificationPodSpec('payments', 'reconciler', { image: 'public.ecr.aws/docker/library/busybox:1.37' });
    const { status } = await run(fleet, clock, spec);
    assert.equal(status.phase, 'Failed');
    assert.equal(status.container?.reason, 'StartError');
    assert.equal(status.container?.exitCode, 128);
    assert.match(status.container?.message ?? '', /exec: "aws": executable file not found in \$PATH/);
  });

  test('a node selector no node matches: Pending and Unschedulable past its deadline (no kubelet to fail it)', async () => {
    const { clock, fleet } = setup();
    const spec = verificationPodSpec('payments', 'reconciler', { nodeSelector: { pool: 'gpu' }, deadlineSeconds: 10 });
    const { status } = await run(fleet, clock, spec, 60_000);
    assert.equal(status.phase, 'Pending');
    assert.equal(status.scheduled?.reason, 'Unschedulable');
    assert.match(
      status.scheduled?.message ?? '',
      /^0\/4 nodes are available: 4 node\(s\) didn't match Pod's node affinity\/selector/,
    );
  });

  test('a Fargate profile that selects the namespace puts it on Fargate, where the agent is unreachable', async () => {
    const { clock, fleet } = setup();
    await trustPodIdentity(fleet);
    await fleet.control.putFargateProfile('sandbox-a', { name: 'everything', selectors: [{ namespace: 'payments' }] });
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    const { status, log } = await run(fleet, clock, verificationPodSpec('payments', 'reconciler'));
    assert.equal(status.nodeName, 'fargate-ip-10-1-9-10.ec2.internal');
    const verdict = judgeVerificationPod(status, log, 'pod-identity', expectA);
    assert.equal(verdict.state === 'failed' && verdict.failure, 'credentials');
    assert.match(verdict.state === 'failed' ? verdict.message : '', /Connect timeout on endpoint URL/);
  });

  test('a probe-pod stuck fault: the container never starts and the deadline fails it; a missing account is refused', async () => {
    const { clock, fleet } = setup();
    await fleet.control.setFault({ cluster: 'sandbox-a', step: 'probe-pod', kind: 'stuck' });
    const spec = verificationPodSpec('payments', 'reconciler', { deadlineSeconds: 30 });
    const { status } = await run(fleet, clock, spec, 5_000);
    assert.deepEqual(status.container, { state: 'waiting', reason: 'ContainerCreating' });
    clock.advance(30_000);
    assert.equal((await fleet.kubernetes.getPod('sandbox-a', 'payments', spec.name))?.reason, 'DeadlineExceeded');
    await assert.rejects(fleet.kubernetes.createPod('sandbox-a', verificationPodSpec('payments', 'nobody')), {
      kind: 'access-denied',
    });
  });
});
