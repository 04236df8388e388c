import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isExecNotStarted } from '../../src/domain/kubernetes.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import type { SandboxFleet } from '../../src/sandbox/index.js';
import {
  livePods,
  manualClock,
  RECONCILER,
  ran,
  reconcilerAssociation,
  settleRollout,
  STS_PROBE,
  trustPodIdentity,
} from '../support/sandbox-fixtures.js';
import type { ManualClock } from '../support/sandbox-fixtures.js';

function setup() {
  const clock = manualClock();
  const fleet = createSandboxFleet({ now: clock.now, consistencyDelayMs: 0, podStartMs: 500 });
  return { clock, fleet };
}

async function probe(fleet: SandboxFleet, cluster = 'sandbox-a', serviceAccount = 'reconciler', command = STS_PROBE) {
  const pod = (await livePods(fleet, cluster, serviceAccount))[0];
  assert.ok(pod);
  return {
    pod,
    result: ran(await fleet.kubernetes.exec(cluster, 'payments', pod.name, pod.containers[0]!.name, command)),
  };
}

async function migrate(fleet: SandboxFleet, clock: ManualClock, cluster = 'sandbox-a') {
  await fleet.eks.createPodIdentityAssociation(reconcilerAssociation(cluster));
  await fleet.kubernetes.restartWorkload(cluster, RECONCILER, clock.iso());
  await settleRollout(fleet, clock, cluster, RECONCILER);
}

describe('sandbox exec', () => {
  test('IRSA pods answer get-caller-identity with a botocore session', async () => {
    const { clock, fleet } = setup();
    const { result } = await probe(fleet);
    assert.equal(result.exitCode, 0);
    const identity = JSON.parse(result.stdout) as { UserId: string; Account: string; Arn: string };
    assert.equal(identity.Account, '111122223333');
    const epoch = Math.floor(clock.now() / 1000);
    assert.equal(
      identity.Arn,
      `arn:aws:sts::111122223333:assumed-role/eks-payments-reconciler/botocore-session-${epoch}`,
    );
    assert.match(identity.UserId, /^AROA[A-Z0-9]+:botocore-session-\d+$/);
  });

  test("a cluster whose IAM OIDC provider is gone: IRSA is denied there, the others' still works; putCluster restores it", async () => {
    const { fleet } = setup();
    await fleet.control.putCluster({ name: 'sandbox-b', oidcProviderMissing: true });
    const denied = (await probe(fleet, 'sandbox-b')).result;
    assert.equal(denied.exitCode, 254);
    assert.match(denied.stderr, /AssumeRoleWithWebIdentity/);
    assert.equal((await probe(fleet, 'sandbox-a')).result.exitCode, 0);
    const issuer = (await fleet.eks.describeCluster('sandbox-b')).oidcIssuer ?? '';
    const providers = (await fleet.iam.listOpenIdConnectProviders()).map((p) => p.issuerHostPath);
    assert.ok(issuer.length > 0 && !providers.includes(issuer.replace('https://', '')), 'not listed');
    assert.equal(providers.length, 3);

    await fleet.control.putCluster({ name: 'sandbox-b', oidcProviderMissing: false });
    assert.equal((await probe(fleet, 'sandbox-b')).result.exitCode, 0);
    assert.equal((await fleet.iam.listOpenIdConnectProviders()).length, 4);
  });

  test('Pod Identity pods answer with an eks-<cluster>- session once the role trusts pods.eks.amazonaws.com', async () => {
    const { clock, fleet } = setup();
    await trustPodIdentity(fleet);
    await migrate(fleet, clock);
    const { pod, result } = await probe(fleet);
    assert.equal(result.exitCode, 0, result.stderr);
    const arn = (JSON.parse(result.stdout) as { Arn: string }).Arn;
    const match =
      /^arn:aws:sts::111122223333:assumed-role\/eks-payments-reconciler\/(eks-sandbox-a-(.+)-[0-9a-f-]{36})$/.exec(arn);
    assert.ok(match, arn);
    assert.ok(match[1]!.length <= 64, 'session names are at most 64 characters');
    assert.ok(pod.name.startsWith(match[2]!), 'the pod name, possibly truncated');
  });

  test('Pod Identity without the trust statement is AccessDenied for AssumeRoleForPodIdentity', async () => {
    const { clock, fleet } = setup();
    await migrate(fleet, clock);
    const { result } = await probe(fleet);
    assert.equal(result.exitCode, 254);
    assert.match(result.stderr, /AccessDenied.*AssumeRoleForPodIdentity/);
  });

  test('IRSA without a matching trust statement is AccessDenied for AssumeRoleWithWebIdentity', async () => {
    const { fleet } = setup();
    const role = await fleet.iam.getRole('eks-payments-reconciler');
    // Drop sandbox-a's IRSA statement, as an over-eager cleanup would.
    await fleet.iam.updateTrustPolicy(role.name, {
      ...role.trustPolicy,
      Statement: role.trustPolicy.Statement.slice(1),
    });
    const { result } = await probe(fleet);
    assert.equal(result.exitCode, 254);
    assert.match(result.stderr, /AccessDenied.*AssumeRoleWithWebIdentity/);
    assert.equal((await probe(fleet, 'sandbox-b')).result.exitCode, 0, 'other clusters keep their statement');
  });

  test('the IRSA subject must match the pod service account', async () => {
    const { fleet } = setup();
    await fleet.control.putServiceAccount('sandbox-a', {
      namespace: 'payments',
      name: 'intruder',
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/eks-payments-reconciler' },
    });
    await fleet.control.putWorkload('sandbox-a', {
      namespace: 'payments',
      name: 'intruder',
      serviceAccount: 'intruder',
      containers: [{ image: 'cli:1', awsCli: true }],
    });
    assert.equal((await probe(fleet, 'sandbox-a', 'intruder')).result.exitCode, 254);
  });

  test('no credential variables: Unable to locate credentials, exit 253', async () => {
    const { clock, fleet } = setup();
    await fleet.kubernetes.setServiceAccountAnnotation(
      'sandbox-a',
      'payments',
      'reconciler',
      'eks.amazonaws.com/role-arn',
      null,
    );
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);
    const { result } = await probe(fleet);
    assert.equal(result.exitCode, 253);
    assert.match(result.stderr, /Unable to locate credentials/);
  });

  test('a program missing from the image never starts, as on containerd; through sh -c the shell answers 127', async () => {
    const { fleet } = setup();
    const exec = async (serviceAccount: string, command: string[]) => {
      const pod = (await livePods(fleet, 'sandbox-a', serviceAccount))[0]!;
      return fleet.kubernetes.exec('sandbox-a', 'payments', pod.name, pod.containers[0]!.name, command);
    };
    const noCli = await exec('fargate-worker', STS_PROBE);
    assert.ok(isExecNotStarted(noCli));
    assert.match(
      noCli.message,
      /^Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "aws": executable file not found in \$PATH: unknown$/,
    );
    const unknown = await exec('reconciler', ['curl', 'http://example.com']);
    assert.ok(isExecNotStarted(unknown));
    assert.match(unknown.message, /exec: "curl": executable file not found in \$PATH/);
    const path = await exec('reconciler', ['/usr/bin/curl']);
    assert.ok(isExecNotStarted(path));
    assert.match(path.message, /exec: "\/usr\/bin\/curl": stat \/usr\/bin\/curl: no such file or directory: unknown$/);
    const viaShell = ran(await exec('fargate-worker', ['sh', '-c', 'aws sts get-caller-identity']));
    assert.deepEqual([viaShell.exitCode, viaShell.stderr], [127, 'sh: aws: not found\n']);
    const shell = ran(await exec('reconciler', ['sh', '-c', 'aws sts get-caller-identity']));
    assert.equal(shell.exitCode, 0);
  });

  test('printenv shows the injected variables', async () => {
    const { fleet } = setup();
    const { result } = await probe(fleet, 'sandbox-a', 'reconciler', ['printenv', 'AWS_ROLE_ARN']);
    assert.deepEqual(result, {
      exitCode: 0,
      stdout: 'arn:aws:iam::111122223333:role/eks-payments-reconciler\n',
      stderr: '',
    });
  });

  test('a proxy without NO_PROXY for the agent breaks Pod Identity credentials', async () => {
    const { clock, fleet } = setup();
    await trustPodIdentity(fleet);
    await fleet.control.putWorkload('sandbox-a', {
      namespace: 'payments',
      name: 'proxied',
      serviceAccount: 'reconciler',
      containers: [{ image: 'cli:1', awsCli: true, env: { HTTPS_PROXY: 'http://proxy:3128' } }],
    });
    await migrate(fleet, clock);
    const ref = { kind: 'Deployment' as const, namespace: 'payments', name: 'proxied' };
    await fleet.kubernetes.restartWorkload('sandbox-a', ref, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', ref);
    const pod = (await livePods(fleet, 'sandbox-a')).find((p) => p.owner?.name === 'proxied');
    assert.ok(pod);
    const result = ran(await fleet.kubernetes.exec('sandbox-a', 'payments', pod.name, 'proxied', STS_PROBE));
    assert.equal(result.exitCode, 255);
    assert.match(result.stderr, /proxy/);
  });

  test('exec into a missing pod is not-found, into a missing container is validation', async () => {
    const { fleet } = setup();
    await assert.rejects(fleet.kubernetes.exec('sandbox-a', 'payments', 'nope', 'app', STS_PROBE), {
      kind: 'not-found',
    });
    const pod = (await livePods(fleet, 'sandbox-a'))[0]!;
    await assert.rejects(fleet.kubernetes.exec('sandbox-a', 'payments', pod.name, 'nope', STS_PROBE), {
      kind: 'validation',
      message: `container nope is not valid for pod ${pod.name}`,
    });
  });

  test('exec into a pod no node took is refused by the API server: validation, no command runs', async () => {
    const { fleet } = setup();
    await fleet.control.putWorkload('sandbox-a', {
      namespace: 'payments',
      name: 'unplaced',
      serviceAccount: 'reconciler',
      nodeSelector: { 'example.com/pool': 'no-such-pool' },
      containers: [{ name: 'app', image: 'cli:1', awsCli: true }],
    });
    const pod = (await livePods(fleet, 'sandbox-a')).find((p) => p.owner?.name === 'unplaced');
    assert.ok(pod);
    assert.deepEqual([pod.phase, pod.nodeName], ['Pending', undefined]);
    await assert.rejects(fleet.kubernetes.exec('sandbox-a', 'payments', pod.name, 'app', STS_PROBE), {
      kind: 'validation',
      details: { code: 'BadRequest', httpStatus: 400 },
      message: `pod ${pod.name} does not have a host assigned`,
    });
  });

  test('exec into a container that is not running fails like the kubelet: container not found, HTTP 500', async () => {
    const { clock, fleet } = setup();
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    const starting = (await livePods(fleet, 'sandbox-a')).find((p) => !p.ready && p.owner?.name === 'reconciler');
    assert.ok(starting, 'the rollout has a pod that has not started yet');
    assert.equal(starting.phase, 'Pending');
    const container = starting.containers[0]!.name;
    await assert.rejects(fleet.kubernetes.exec('sandbox-a', 'payments', starting.name, container, STS_PROBE), {
      kind: 'unavailable',
      details: { code: 'InternalError', httpStatus: 500 },
      message: `Internal error occurred: unable to upgrade connection: container not found ("${container}")`,
    });
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);
    assert.equal(
      ran(await fleet.kubernetes.exec('sandbox-a', 'payments', starting.name, container, STS_PROBE)).exitCode,
      0,
    );

    await fleet.control.putPod('sandbox-a', {
      namespace: 'payments',
      name: 'finished',
      serviceAccount: 'reconciler',
      finishedPhase: 'Succeeded',
      containers: [{ name: 'app', image: 'cli:1' }],
    });
    await assert.rejects(fleet.kubernetes.exec('sandbox-a', 'payments', 'finished', 'app', ['env']), {
      kind: 'unavailable',
      message: 'Internal error occurred: unable to upgrade connection: container not found ("app")',
    });
  });
});
