import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPortError, PortError } from '../../src/ports/errors.js';
import { addPodIdentityTrust } from '../../src/domain/trust-policy.js';
import { VENDED_CREDENTIALS_LIFETIME_MS } from '../../src/sandbox/eks.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { assertInvariantNow, watchInvariant } from '../support/invariant.js';
import {
  livePods,
  manualClock,
  RECONCILER,
  reconcilerAssociation,
  ran,
  ROLE_ARN,
  settleRollout,
  STS_PROBE,
} from '../support/sandbox-fixtures.js';

/*
 * EKS API reference, CreatePodIdentityAssociation: associations "are eventually consistent,
 * and may take several seconds to be effective after the initial API call returns
 * successfully"; a duplicate create answers 409 ResourceInUseException "Association
 * already exists: <id>". The sandbox lags List (and the webhook) behind creates and
 * deletes; Describe and the 409 see the association at once.
 */
function setup(listDelayMs = 2000) {
  const clock = manualClock();
  const fleet = createSandboxFleet({ now: clock.now, consistencyDelayMs: 2000, listDelayMs, podStartMs: 500 });
  return { clock, fleet };
}

describe('sandbox: EKS eventual consistency', () => {
  test('List does not show a new association for the delay, Describe does at once', async () => {
    const { clock, fleet } = setup();
    const created = await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    assert.deepEqual(await fleet.eks.findPodIdentityAssociations('sandbox-a', 'payments', 'reconciler'), []);
    assert.deepEqual(await fleet.eks.listPodIdentityAssociations('sandbox-a'), []);
    const described = await fleet.eks.describePodIdentityAssociation('sandbox-a', created.associationId);
    assert.equal(described?.roleArn, ROLE_ARN);
    assert.equal(described?.associationId, created.associationId);
    clock.advance(2000);
    assert.deepEqual(
      (await fleet.eks.findPodIdentityAssociations('sandbox-a', 'payments', 'reconciler')).map((a) => a.associationId),
      [created.associationId],
    );
  });

  test('by default List lags as long as the webhook: a fleet made without listDelayMs is not kinder than EKS', async () => {
    const clock = manualClock();
    const fleet = createSandboxFleet({ now: clock.now, consistencyDelayMs: 1500 });
    const created = await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    assert.deepEqual(await fleet.eks.findPodIdentityAssociations('sandbox-a', 'payments', 'reconciler'), []);
    clock.advance(1499);
    assert.deepEqual(await fleet.eks.listPodIdentityAssociations('sandbox-a'), []);
    clock.advance(1);
    assert.deepEqual(
      (await fleet.eks.listPodIdentityAssociations('sandbox-a')).map((a) => a.associationId),
      [created.associationId],
    );
    await fleet.eks.deletePodIdentityAssociation('sandbox-a', created.associationId);
    clock.advance(1499);
    assert.equal((await fleet.eks.listPodIdentityAssociations('sandbox-a')).length, 1, 'a delete lags as long');
  });

  test('List still shows a deleted association for the delay; Describe and Delete no longer find it', async () => {
    const { clock, fleet } = setup();
    const created = await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    clock.advance(2000);
    await fleet.eks.deletePodIdentityAssociation('sandbox-a', created.associationId);
    assert.equal((await fleet.eks.listPodIdentityAssociations('sandbox-a')).length, 1);
    assert.equal(await fleet.eks.describePodIdentityAssociation('sandbox-a', created.associationId), undefined);
    await assert.rejects(fleet.eks.deletePodIdentityAssociation('sandbox-a', created.associationId), (err) =>
      isPortError(err, 'not-found'),
    );
    clock.advance(2000);
    assert.deepEqual(await fleet.eks.listPodIdentityAssociations('sandbox-a'), []);
  });

  test('a second create answers 409 naming the existing id in EKS words, while List does not show it yet', async () => {
    const { fleet } = setup();
    const first = await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a', 'one'));
    const err = await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a', 'two')).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof PortError, String(err));
    assert.equal(err.kind, 'conflict');
    assert.equal(err.details.code, 'ResourceInUseException');
    assert.equal(err.details.httpStatus, 409);
    assert.match(err.message, new RegExp(`Association already exists: ${first.associationId}$`));
    assert.deepEqual(await fleet.eks.findPodIdentityAssociations('sandbox-a', 'payments', 'reconciler'), []);
  });

  test('tags given on create come back from Describe', async () => {
    const { fleet } = setup(0);
    const created = await fleet.eks.createPodIdentityAssociation({
      ...reconcilerAssociation('sandbox-a'),
      tags: { 'managed-by': 'migrate-identity', 'migrate-identity/run': 'wf/run' },
    });
    assert.deepEqual((await fleet.eks.describePodIdentityAssociation('sandbox-a', created.associationId))?.tags, {
      'managed-by': 'migrate-identity',
      'migrate-identity/run': 'wf/run',
    });
  });

  test('the webhook keeps injecting Pod Identity after a delete until it propagates', async () => {
    const { clock, fleet } = setup();
    const created = await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    clock.advance(2000);
    await fleet.eks.deletePodIdentityAssociation('sandbox-a', created.associationId);
    clock.advance(1000);
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER, 100);
    const pods = await livePods(fleet, 'sandbox-a');
    assert.ok(pods.every((p) => p.containers[0]?.env.AWS_CONTAINER_CREDENTIALS_FULL_URI !== undefined));
  });
});

/**
 * Restarts the reconciler in sandbox-a once its new association has propagated; its pod's
 * `aws sts get-caller-identity`, as a function to call again as time moves.
 */
async function restartOntoPodIdentity({ clock, fleet }: ReturnType<typeof setup>) {
  clock.advance(2000);
  await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
  await settleRollout(fleet, clock, 'sandbox-a', RECONCILER, 100);
  const [pod] = await livePods(fleet, 'sandbox-a');
  assert.ok(pod?.containers[0]?.env.AWS_CONTAINER_CREDENTIALS_FULL_URI, 'the pod is on Pod Identity');
  return async () =>
    ran(await fleet.kubernetes.exec('sandbox-a', 'payments', pod.name, pod.containers[0]!.name, STS_PROBE));
}

describe('sandbox: IAM trust updates reach STS after the delay', () => {
  // IAM User Guide, "Troubleshooting IAM": "Changes that I make are not always immediately visible".
  test('GetRole reads a new trust at once; the agent is refused until it propagates, and served for as long after its removal', async () => {
    const { clock, fleet } = setup();
    const before = (await fleet.iam.getRole('eks-payments-reconciler')).trustPolicy;
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    const probe = await restartOntoPodIdentity({ clock, fleet });

    const trusted = addPodIdentityTrust(before, 'PodIdentity').document;
    await fleet.iam.updateTrustPolicy('eks-payments-reconciler', trusted);
    assert.deepEqual((await fleet.iam.getRole('eks-payments-reconciler')).trustPolicy, trusted);
    assert.equal((await probe()).exitCode, 254, 'STS still evaluates the trust without Pod Identity');
    clock.advance(2000);
    assert.equal((await probe()).exitCode, 0);

    await fleet.iam.updateTrustPolicy('eks-payments-reconciler', before);
    assert.equal((await probe()).exitCode, 0, 'the removal has not reached STS yet');
    clock.advance(2000);
    assert.equal((await probe()).exitCode, 254);
  });
});

describe('sandbox: the Pod Identity agent after a delete', () => {
  // aws/eks-pod-identity-agent: cached credentials are renewed at most every 3 hours; the
  // renewal after a delete gets ResourceNotFoundException and evicts them.
  test('serves the cached credentials until its renewal, then answers the pod ResourceNotFound', async () => {
    const { clock, fleet } = setup();
    const role = await fleet.iam.getRole('eks-payments-reconciler');
    await fleet.iam.updateTrustPolicy(
      'eks-payments-reconciler',
      addPodIdentityTrust(role.trustPolicy, 'PodIdentity').document,
    );
    const created = await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    const probe = await restartOntoPodIdentity({ clock, fleet });
    assert.equal((await probe()).exitCode, 0);

    await fleet.eks.deletePodIdentityAssociation('sandbox-a', created.associationId);
    clock.advance(VENDED_CREDENTIALS_LIFETIME_MS - 60_000);
    const cached = await probe();
    assert.equal(cached.exitCode, 0, cached.stderr);
    clock.advance(60_000);
    const evicted = await probe();
    assert.equal(evicted.exitCode, 255);
    assert.match(evicted.stderr, /ResourceNotFoundException/);
  });
});

describe('sandbox: the credential invariant after every port call', () => {
  test('removing the Pod Identity trust under running Pod Identity pods names each pod and the missing link', async () => {
    const clock = manualClock();
    const watch = watchInvariant();
    const fleet = createSandboxFleet({
      now: clock.now,
      consistencyDelayMs: 0,
      podStartMs: 500,
      observe: watch.observe,
    });
    const role = await fleet.iam.getRole('eks-payments-reconciler');
    const podIdentity = {
      Sid: 'PodIdentity',
      Effect: 'Allow' as const,
      Principal: { Service: 'pods.eks.amazonaws.com' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
    };
    await fleet.iam.updateTrustPolicy(role.name, {
      ...role.trustPolicy,
      Statement: [...role.trustPolicy.Statement, podIdentity],
    });
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);
    watch.assertHeld('migrated');
    await fleet.iam.updateTrustPolicy(role.name, role.trustPolicy);
    assert.equal(watch.violations.length, 2, watch.violations.join('\n'));
    assert.match(
      watch.violations[0]!,
      /^after \*:updateTrustPolicy: sandbox-a: pod payments\/reconciler-\S+ on pod-identity is missing its pod-identity-trust: role arn:aws:iam::111122223333:role\/eks-payments-reconciler does not trust pods\.eks\.amazonaws\.com$/,
    );
    assert.throws(() => watch.assertHeld(), /credential invariant broken/);
    await assert.rejects(assertInvariantNow(fleet, 'after the trust went', { now: clock.now() }), /pod-identity-trust/);
  });

  test('the seeded fleet holds it, shared role included', async () => {
    const fleet = createSandboxFleet();
    await assertInvariantNow(fleet, 'seed');
    const state = await fleet.control.state();
    const shared = ['sandbox-a', 'sandbox-c'].flatMap((c) =>
      (state.clusters[c]?.serviceAccounts ?? []).filter((sa) =>
        sa.annotations['eks.amazonaws.com/role-arn']?.endsWith('/eks-payments-shared'),
      ),
    );
    assert.equal(shared.length, 4, 'settlement and payouts in sandbox-a and sandbox-c share eks-payments-shared');
  });
});
