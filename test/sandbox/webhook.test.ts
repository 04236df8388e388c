import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PodInfo } from '../../src/domain/kubernetes.js';
import {
  createSandboxFleet,
  credentialPath,
  IRSA_TOKEN_FILE,
  POD_IDENTITY_TOKEN_FILE,
} from '../../src/sandbox/index.js';
import {
  livePods,
  manualClock,
  RECONCILER,
  reconcilerAssociation,
  ROLE_ARN,
  settleRollout,
} from '../support/sandbox-fixtures.js';

const paths = (pods: PodInfo[]) => [...new Set(pods.map((p) => credentialPath(p.containers[0]?.env ?? {})))];

function setup(consistencyDelayMs = 2000) {
  const clock = manualClock();
  const fleet = createSandboxFleet({ now: clock.now, consistencyDelayMs, podStartMs: 500 });
  return { clock, fleet };
}

describe('sandbox webhook', () => {
  test('seeded pods run with the IRSA variables only', async () => {
    const { fleet } = setup();
    const env = (await livePods(fleet, 'sandbox-a'))[0]?.containers[0]?.env;
    assert.equal(env?.AWS_ROLE_ARN, ROLE_ARN);
    assert.equal(env?.AWS_WEB_IDENTITY_TOKEN_FILE, IRSA_TOKEN_FILE);
    assert.equal(env?.AWS_STS_REGIONAL_ENDPOINTS, 'regional');
    assert.equal(env?.AWS_REGION, 'us-east-1');
    assert.equal(env?.AWS_DEFAULT_REGION, 'us-east-1');
    assert.equal(env?.AWS_CONTAINER_CREDENTIALS_FULL_URI, undefined);
  });

  test('an association wins over the annotation, but only for pods created after it is visible', async () => {
    const { clock, fleet } = setup();
    const before = await livePods(fleet, 'sandbox-a');
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    clock.advance(10_000);
    const running = await livePods(fleet, 'sandbox-a');
    assert.deepEqual(
      running.map((p) => p.uid),
      before.map((p) => p.uid),
    );
    assert.deepEqual(paths(running), ['irsa'], 'running pods never change');

    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);
    const replaced = await livePods(fleet, 'sandbox-a');
    assert.deepEqual(paths(replaced), ['pod-identity']);
    const env = replaced[0]?.containers[0]?.env ?? {};
    assert.equal(env.AWS_CONTAINER_CREDENTIALS_FULL_URI, 'http://169.254.170.23/v1/credentials');
    assert.equal(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, POD_IDENTITY_TOKEN_FILE);
    assert.equal(env.AWS_ROLE_ARN, undefined, 'one set of variables, even with the annotation still there');
    const sa = await fleet.kubernetes.getServiceAccount('sandbox-a', 'payments', 'reconciler');
    assert.equal(sa?.annotations['eks.amazonaws.com/role-arn'], ROLE_ARN);
  });

  test('a restart before the association is visible still gets IRSA', async () => {
    const { clock, fleet } = setup(2000);
    const created = await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    // Describe has it at once; List, like the webhook, lags (eventual-consistency.test.ts).
    assert.notEqual(await fleet.eks.describePodIdentityAssociation('sandbox-a', created.associationId), undefined);
    clock.advance(100);
    // 2 pods x 500 ms: the whole rollout ends before the 2 s delay is over.
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER, 100);
    assert.deepEqual(paths(await livePods(fleet, 'sandbox-a')), ['irsa']);
  });

  test('a rollout that straddles the consistency delay mixes paths by pod creation time', async () => {
    const { clock, fleet } = setup(700);
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    // First pod created at 0 ms (not visible yet), second at 500 ms (not yet), both IRSA;
    // a restart at 1000 ms creates pods after the delay.
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER, 250);
    assert.deepEqual(paths(await livePods(fleet, 'sandbox-a')), ['irsa']);
    clock.advance(1);
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    clock.advance(500);
    const mixed = await livePods(fleet, 'sandbox-a');
    assert.deepEqual(paths(mixed).sort(), ['irsa', 'pod-identity']);
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);
    assert.deepEqual(paths(await livePods(fleet, 'sandbox-a')), ['pod-identity']);
  });

  test('a deleted association stays visible to the webhook for the delay, then IRSA returns', async () => {
    const { clock, fleet } = setup(2000);
    const created = await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    clock.advance(2000);
    await fleet.eks.deletePodIdentityAssociation('sandbox-a', created.associationId);
    assert.equal(await fleet.eks.describePodIdentityAssociation('sandbox-a', created.associationId), undefined);
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER, 100);
    assert.deepEqual(paths(await livePods(fleet, 'sandbox-a')), ['pod-identity'], 'still visible right after delete');
    clock.advance(2000);
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);
    assert.deepEqual(paths(await livePods(fleet, 'sandbox-a')), ['irsa']);
  });

  test('without an association or annotation pods get no credentials', async () => {
    const { clock, fleet } = setup(0);
    await fleet.kubernetes.setServiceAccountAnnotation(
      'sandbox-a',
      'payments',
      'reconciler',
      'eks.amazonaws.com/role-arn',
      null,
    );
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);
    assert.deepEqual(paths(await livePods(fleet, 'sandbox-a')), ['none']);
  });

  test('variables a container sets itself are not overwritten', async () => {
    const { clock, fleet } = setup(0);
    await fleet.control.putWorkload('sandbox-a', {
      namespace: 'payments',
      name: 'custom',
      serviceAccount: 'reconciler',
      containers: [{ name: 'app', image: 'app:1', env: { AWS_REGION: 'eu-west-1', AWS_ROLE_ARN: 'arn:custom' } }],
    });
    const pod = (await livePods(fleet, 'sandbox-a')).find((p) => p.owner?.name === 'custom');
    assert.equal(pod?.containers[0]?.env.AWS_REGION, 'eu-west-1');
    assert.equal(pod?.containers[0]?.env.AWS_ROLE_ARN, 'arn:custom');
    assert.equal(pod?.containers[0]?.env.AWS_WEB_IDENTITY_TOKEN_FILE, IRSA_TOKEN_FILE);
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    const ref = { kind: 'Deployment' as const, namespace: 'payments', name: 'custom' };
    await fleet.kubernetes.restartWorkload('sandbox-a', ref, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', ref);
    const replaced = (await livePods(fleet, 'sandbox-a')).find((p) => p.owner?.name === 'custom');
    assert.equal(replaced?.containers[0]?.env.AWS_ROLE_ARN, 'arn:custom');
    assert.equal(
      replaced?.containers[0]?.env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
      'http://169.254.170.23/v1/credentials',
    );
  });
});
