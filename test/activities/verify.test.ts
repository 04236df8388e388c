import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities/index.js';
import { authorizeStart } from '../../src/access/start.js';
import { createKubernetesAdapter } from '../../src/adapters/kubernetes/adapter.js';
import { parseAccessPolicy } from '../../src/config/access-policy.js';
import { createConsoleNotifier } from '../../src/adapters/console-notifier.js';
import { POD_IDENTITY_TOKEN_FILE, POD_IDENTITY_URI } from '../../src/domain/constants.js';
import { DEFAULT_OPTIONS } from '../../src/domain/types.js';
import { createSandboxFleet } from '../../src/sandbox/index.js';
import { kubeConfigFor, startFakeKubeApi } from '../support/fake-kube-api.js';
import {
  manualClock,
  RECONCILER,
  reconcilerAssociation,
  settleRollout,
  trustPodIdentity,
} from '../support/sandbox-fixtures.js';

const SA = { namespace: 'payments', name: 'reconciler' };
const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';

function setup() {
  const fleet = createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 0 });
  const activities = createActivities({ ...fleet, notifier: createConsoleNotifier(() => undefined) });
  return { fleet, activities };
}

describe('verifyCredentials activity', () => {
  test('seeded pods are on IRSA: the probe sees an IRSA session of the role', async () => {
    const { activities } = setup();
    const result = await activities.verifyCredentials({
      cluster: 'sandbox-a',
      serviceAccount: SA,
      roleArn: ROLE,
      expect: 'irsa',
    });
    assert.match(
      result.detail,
      /2 pod\(s\) on irsa; caller identity Deployment\/reconciler: arn:aws:sts::111122223333:assumed-role\/eks-payments-reconciler\/botocore-session-/,
    );
    assert.deepEqual(result.warnings, []);
  });

  test('expecting Pod Identity on IRSA pods is a non-retryable VerificationFailed naming the pods', async () => {
    const { activities } = setup();
    await assert.rejects(
      activities.verifyCredentials({ cluster: 'sandbox-a', serviceAccount: SA, roleArn: ROLE, expect: 'pod-identity' }),
      (err: unknown) =>
        err instanceof ApplicationFailure &&
        err.type === 'VerificationFailed' &&
        err.nonRetryable &&
        /expected every pod on pod-identity, but reconciler-.* is on irsa/.test(err.message),
    );
  });

  test('a container without the AWS CLI makes the probe unavailable: a recorded warning, not a silent pass', async () => {
    const { fleet, activities } = setup();
    await fleet.control.putWorkload('sandbox-a', {
      namespace: 'payments',
      name: 'reconciler',
      serviceAccount: 'reconciler',
      containers: [{ name: 'app', image: 'distroless/app:1', awsCli: false }],
    });
    const result = await activities.verifyCredentials({
      cluster: 'sandbox-a',
      serviceAccount: SA,
      roleArn: ROLE,
      expect: 'irsa',
    });
    assert.equal(result.warnings.length, 1);
    // On containerd the kubelet answers a missing binary with an error, not exit 127 (see src/sandbox/exec.ts).
    assert.match(
      result.warnings[0]!,
      /probe unavailable in reconciler-.*\/app \(aws is not in the image: Internal error occurred: .*executable file not found in \$PATH: unknown\): environment checked, caller identity not/,
    );
  });

  test('a verify command replaces the probe; its exit status decides', async () => {
    const { activities } = setup();
    const passed = await activities.verifyCredentials({
      cluster: 'sandbox-a',
      serviceAccount: SA,
      roleArn: ROLE,
      expect: 'irsa',
      verifyCommand: ['printenv', 'AWS_ROLE_ARN'],
    });
    assert.match(passed.detail, /Deployment\/reconciler: verify command succeeded/);
    await assert.rejects(
      activities.verifyCredentials({
        cluster: 'sandbox-a',
        serviceAccount: SA,
        roleArn: ROLE,
        expect: 'irsa',
        verifyCommand: ['printenv', 'AWS_CONTAINER_CREDENTIALS_FULL_URI'],
      }),
      (err: unknown) =>
        err instanceof ApplicationFailure && err.type === 'VerificationFailed' && /exited 1/.test(err.message),
    );
    const missing = await activities.verifyCredentials({
      cluster: 'sandbox-a',
      serviceAccount: SA,
      roleArn: ROLE,
      expect: 'irsa',
      verifyCommand: ['check-aws'],
    });
    assert.match(missing.warnings[0] ?? '', /probe unavailable .*check-aws is not in the image/);
  });

  test('the wrong role in the caller identity fails verification', async () => {
    const { activities } = setup();
    await assert.rejects(
      activities.verifyCredentials({
        cluster: 'sandbox-a',
        serviceAccount: SA,
        roleArn: 'arn:aws:iam::111122223333:role/some-other-role',
        expect: 'irsa',
      }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'VerificationFailed',
    );
  });
});

describe('verifyCredentials with a named probe from the access policy', () => {
  /** The argv a start naming `probe` gets from the policy, as Slack and the CLI resolve it. */
  async function probeArgv(probe: string): Promise<string[]> {
    const policy = parseAccessPolicy(
      JSON.stringify({
        rules: [
          {
            namespaces: ['payments'],
            starters: { anyone: true },
            approvers: { anyone: true },
            probes: ['aws-sts-json', 'healthz-curl', 'healthz-shell'],
          },
        ],
        probes: {
          'aws-sts-json': { argv: ['aws', 'sts', 'get-caller-identity', '--output', 'json'] },
          'healthz-curl': { argv: ['curl', '-sf', 'http://localhost:8080/healthz/aws'] },
          'healthz-shell': { argv: ['sh', '-c', 'curl -sf http://localhost:8080/healthz/aws'] },
        },
      }),
      'test',
      'sandbox',
    );
    const directory = {
      expandUsers: (ids: readonly string[]) => Promise.resolve([...ids]),
      includesUser: () => Promise.resolve(true),
    };
    const input = await authorizeStart(
      policy,
      directory,
      {
        serviceAccount: SA,
        roleArn: ROLE,
        clusters: ['sandbox-a'],
        requestedBy: 'U0DEV',
        options: { ...DEFAULT_OPTIONS, approvers: ['U0LEAD'], verifyProbe: probe },
      },
      { id: 'U0DEV' },
    );
    assert.ok(input.options.verifyCommand, `${probe} resolves to an argv`);
    return input.options.verifyCommand;
  }

  test('a probe whose binary is not in the image is unavailable, a warning, never a failure or a silent pass', async () => {
    const { activities } = setup();
    const verify = async (probe: string) =>
      activities.verifyCredentials({
        cluster: 'sandbox-a',
        serviceAccount: SA,
        roleArn: ROLE,
        expect: 'irsa',
        verifyCommand: await probeArgv(probe),
      });
    // Run directly, the kubelet on containerd answers with an error: the exec never started.
    const direct = await verify('healthz-curl');
    assert.equal(direct.warnings.length, 1);
    assert.match(
      direct.warnings[0]!,
      /^sandbox-a: probe unavailable in reconciler-.*\/reconciler \(curl is not in the image: .*executable file not found in \$PATH: unknown\): environment checked, caller identity not$/,
    );
    assert.match(direct.detail, /^2 pod\(s\) on irsa$/);
    // Through a shell, the shell answers 127.
    const shell = await verify('healthz-shell');
    assert.match(shell.warnings[0] ?? '', /probe unavailable in reconciler-.* \(sh exited 127\)/);
    // A probe the image has decides by its exit status.
    const present = await verify('aws-sts-json');
    assert.deepEqual(present.warnings, []);
    assert.match(present.detail, /Deployment\/reconciler: verify command succeeded/);
  });
});

describe('verifyCredentials on real kubelets', () => {
  test('containerd answers a missing probe binary with an error, not exit 127: a warning, and the env check stands', async (t) => {
    // The sandbox's pods, with exec going through the real adapter to a kube-apiserver whose
    // kubelet runs containerd: its answer for a missing `aws` (see the adapter's exec tests).
    const api = await startFakeKubeApi();
    t.after(() => api.close());
    api.onExec({
      status: {
        metadata: {},
        status: 'Failure',
        message:
          'Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "9f0c": OCI runtime exec failed: exec failed: unable to start container process: exec: "aws": executable file not found in $PATH: unknown',
        reason: 'InternalError',
        code: 500,
      },
    });
    const fleet = createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 0 });
    const real = createKubernetesAdapter(() => kubeConfigFor(api));
    const activities = createActivities({
      ...fleet,
      kubernetes: { ...fleet.kubernetes, exec: (...args) => real.exec(...args) },
      notifier: createConsoleNotifier(() => undefined),
    });

    const result = await activities.verifyCredentials({
      cluster: 'sandbox-a',
      serviceAccount: SA,
      roleArn: ROLE,
      expect: 'irsa',
    });

    assert.match(result.detail, /^2 pod\(s\) on irsa$/);
    assert.equal(result.warnings.length, 1);
    assert.match(
      result.warnings[0]!,
      /^sandbox-a: probe unavailable in reconciler-.*\/reconciler \(aws is not in the image: .*executable file not found in \$PATH: unknown\): environment checked, caller identity not$/,
    );
    assert.equal(api.requests.length, 1, 'one probe for the one workload, never retried');
    // The environment check still decides: pods on the wrong path fail whatever the probe.
    await assert.rejects(
      activities.verifyCredentials({ cluster: 'sandbox-a', serviceAccount: SA, roleArn: ROLE, expect: 'pod-identity' }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'VerificationFailed',
    );
  });
});

describe('verifyCredentials: which pods it verifies', () => {
  /** sandbox-a with `reconciler` switched to Pod Identity, and the given extra pods sharing its service account. */
  async function migrated() {
    const clock = manualClock();
    const fleet = createSandboxFleet({ now: clock.now, consistencyDelayMs: 0, podStartMs: 500 });
    await trustPodIdentity(fleet);
    const activities = createActivities({ ...fleet, notifier: createConsoleNotifier(() => undefined) });
    return { clock, fleet, activities };
  }

  test("pods of other controllers, finished and terminating pods are left out; the restarted workloads' pods decide", async () => {
    const { clock, fleet, activities } = await migrated();
    // Created before the switch, so on IRSA, and never restarted by the run: a CronJob's
    // running pod, a finished Job's pod, a bare pod, an Argo Rollout's pod.
    const container = [{ name: 'app', image: 'job:1' }];
    const pods = [
      { name: 'nightly-1-x', controller: { apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly' } },
      {
        name: 'migrate-db-x',
        controller: { apiVersion: 'batch/v1', kind: 'Job', name: 'migrate-db' },
        finishedPhase: 'Succeeded' as const,
      },
      { name: 'debug' },
      { name: 'canary-7f-x', controller: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'canary' } },
    ];
    for (const pod of pods) {
      await fleet.control.putPod('sandbox-a', {
        namespace: 'payments',
        serviceAccount: 'reconciler',
        containers: container,
        ...pod,
      });
    }
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);
    const all = await fleet.kubernetes.listPods('sandbox-a', 'payments', 'reconciler');
    assert.ok(
      all.some((p) => p.terminating),
      'the old reconciler pods are still terminating',
    );

    const result = await activities.verifyCredentials({
      cluster: 'sandbox-a',
      serviceAccount: SA,
      roleArn: ROLE,
      expect: 'pod-identity',
      workloads: [RECONCILER],
    });

    assert.match(
      result.detail,
      /^2 pod\(s\) on pod-identity; caller identity Deployment\/reconciler: arn:aws:sts::111122223333:assumed-role\/eks-payments-reconciler\/eks-sandbox-a-/,
    );
    // The finished Job pod and the old reconciler pods still terminating.
    const notRunning = all.filter((p) => p.terminating || p.phase !== 'Running').length;
    assert.ok(notRunning >= 2);
    assert.match(
      result.detail,
      new RegExp(
        `; not verified: ${notRunning} not running or terminating, rollout/canary \\(pod canary-7f-x, not restarted by this run\\), pod/debug \\(pod debug, not restarted by this run\\), cronjob/nightly \\(pod nightly-1-x, not restarted by this run\\)$`,
      ),
    );
    assert.deepEqual(
      result.warnings.map((w) => w.replace(/ runs as payments\/reconciler but/, ' … but')),
      [
        'sandbox-a: pod canary-7f-x (rollout/canary) … but was not restarted by this run: it is still on irsa',
        'sandbox-a: pod debug (pod/debug) … but was not restarted by this run: it is still on irsa',
        'sandbox-a: pod nightly-1-x (cronjob/nightly) … but was not restarted by this run: it is still on irsa',
      ],
    );
  });

  test('only the workloads the run restarted: another workload of the service account is not verified', async () => {
    const { clock, fleet, activities } = await migrated();
    await fleet.control.putWorkload('sandbox-a', {
      kind: 'StatefulSet',
      namespace: 'payments',
      name: 'ledger',
      serviceAccount: 'reconciler',
      containers: [{ image: 'cli:1', awsCli: true }],
    });
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);
    const input = { cluster: 'sandbox-a', serviceAccount: SA, roleArn: ROLE, expect: 'pod-identity' as const };

    const result = await activities.verifyCredentials({ ...input, workloads: [RECONCILER] });
    assert.match(result.detail, /^2 pod\(s\) on pod-identity; caller identity Deployment\/reconciler: /);
    assert.match(result.detail, /statefulset\/ledger \(pod ledger-0, not restarted by this run\)/);

    // Without the list, every workload of the service account counts: the StatefulSet is still on IRSA.
    await assert.rejects(activities.verifyCredentials(input), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure && err.type === 'VerificationFailed');
      assert.match(err.message, /ledger-0\/ledger is on irsa/);
      return true;
    });
  });

  test('the probe goes to a ready pod of each workload', async () => {
    const { clock, fleet, activities } = await migrated();
    await fleet.eks.createPodIdentityAssociation(reconcilerAssociation('sandbox-a'));
    await fleet.kubernetes.restartWorkload('sandbox-a', RECONCILER, clock.iso());
    await settleRollout(fleet, clock, 'sandbox-a', RECONCILER);
    const result = await activities.verifyCredentials({
      cluster: 'sandbox-a',
      serviceAccount: SA,
      roleArn: ROLE,
      expect: 'pod-identity',
      workloads: [RECONCILER],
    });
    assert.deepEqual(result.warnings, []);
    const live = (await fleet.kubernetes.listPods('sandbox-a', 'payments', 'reconciler')).filter((p) => !p.terminating);
    assert.ok(live.every((p) => p.containers[0]?.env.AWS_CONTAINER_CREDENTIALS_FULL_URI === POD_IDENTITY_URI));
    assert.ok(
      live.every((p) => p.containers[0]?.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE === POD_IDENTITY_TOKEN_FILE),
    );
  });
});

describe('typed failures at the activity edge', () => {
  test('adapter errors become ApplicationFailures with the failure type and retryability', async () => {
    const { fleet, activities } = setup();
    await fleet.control.setFault({ cluster: 'sandbox-b', step: 'restart', kind: 'error' });
    await assert.rejects(
      activities.restartWorkloads({ cluster: 'sandbox-b', serviceAccount: SA, restartedAt: new Date().toISOString() }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'AccessDenied' && err.nonRetryable,
    );
    await fleet.control.setFault({ cluster: 'sandbox-b', step: 'restart', kind: 'throttle' });
    await assert.rejects(
      activities.restartWorkloads({ cluster: 'sandbox-b', serviceAccount: SA, restartedAt: new Date().toISOString() }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'Throttled' && !err.nonRetryable,
    );
  });

  test('createAssociation is idempotent and refuses an association for another role', async () => {
    const { fleet, activities } = setup();
    const input = {
      cluster: 'sandbox-c',
      serviceAccount: SA,
      roleArn: ROLE,
      idempotencyKey: 'wf/run/sandbox-c',
      runTag: 'wf/run',
    };
    const first = await activities.createAssociation(input);
    const again = await activities.createAssociation(input);
    assert.equal(again.associationId, first.associationId);
    const other = await activities.createAssociation({ ...input, idempotencyKey: 'another-run', runTag: 'wf/other' });
    assert.deepEqual(other, { associationId: first.associationId, created: false });
    await assert.rejects(
      activities.createAssociation({ ...input, roleArn: 'arn:aws:iam::111122223333:role/other', idempotencyKey: 'x' }),
      (err: unknown) =>
        err instanceof ApplicationFailure && err.type === 'Conflict' && /for another role/.test(err.message),
    );
    assert.equal((await fleet.control.essentials()).associations.filter((a) => a.cluster === 'sandbox-c').length, 1);
    // Another run's delete finds nothing of its own; this run's finds its association by its tag.
    const notOurs = await activities.deleteAssociation({
      cluster: 'sandbox-c',
      serviceAccount: SA,
      runTag: 'wf/other',
    });
    assert.deepEqual(notOurs.deleted, []);
    const deleted = await activities.deleteAssociation({ cluster: 'sandbox-c', serviceAccount: SA, runTag: 'wf/run' });
    assert.deepEqual(deleted.deleted, [first.associationId]);
    // Deleting it again (a retry after a lost answer) reports it gone.
    assert.deepEqual(
      (
        await activities.deleteAssociation({
          cluster: 'sandbox-c',
          serviceAccount: SA,
          runTag: 'wf/run',
          associationId: first.associationId,
        })
      ).deleted,
      [first.associationId],
    );
    assert.equal((await fleet.control.essentials()).associations.filter((a) => a.cluster === 'sandbox-c').length, 0);
  });

  test('a failing probe’s output is shown redacted and cut short: it reaches Slack and the run history', async () => {
    const fleet = createSandboxFleet({ consistencyDelayMs: 0, podStartMs: 0 });
    const leaky =
      'AWS_ACCESS_KEY_ID=ASIAY34FZKBOKMUTVV7A AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ';
    const kubernetes = Object.assign(Object.create(fleet.kubernetes) as typeof fleet.kubernetes, {
      exec: () => Promise.resolve({ exitCode: 1, stdout: '', stderr: `${leaky}${'x'.repeat(5000)}` }),
    });
    const activities = createActivities({ ...fleet, kubernetes, notifier: createConsoleNotifier(() => undefined) });
    await assert.rejects(
      activities.verifyCredentials({
        cluster: 'sandbox-a',
        serviceAccount: SA,
        roleArn: ROLE,
        expect: 'irsa',
        verifyCommand: ['printenv'],
      }),
      (err: unknown) =>
        err instanceof ApplicationFailure &&
        err.type === 'VerificationFailed' &&
        /exited 1: AWS_ACCESS_KEY_ID=\[redacted\] AWS_SECRET_ACCESS_KEY=\[redacted\]/.test(err.message) &&
        !/ASIAY34|wJalrXU/.test(err.message) &&
        err.message.length < 800,
    );
  });
});
