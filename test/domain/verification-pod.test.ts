import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { POD_IDENTITY_TOKEN_FILE, POD_IDENTITY_URI } from '../../src/domain/constants.js';
import { podsToVerify, serviceAccountControllers } from '../../src/domain/controllers.js';
import type { PodInfo } from '../../src/domain/kubernetes.js';
import {
  buildVerificationPod,
  DEFAULT_PROBE,
  EXPIRES_AT_ANNOTATION,
  isSweepable,
  judgeVerificationPod,
  notStartedMessage,
  runKeyOf,
  VERIFICATION_POD_LABEL,
  VERIFICATION_RUN_LABEL,
  type PodRunStatus,
} from '../../src/domain/verification-pod.js';

const ROLE = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';
const EXPECTED = { roleArn: ROLE, cluster: 'prod-a' };
const POD_IDENTITY_ENV = {
  AWS_CONTAINER_CREDENTIALS_FULL_URI: POD_IDENTITY_URI,
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: POD_IDENTITY_TOKEN_FILE,
};
const IDENTITY_JSON = JSON.stringify(
  {
    UserId: 'AROAEXAMPLE:eks-prod-a-mi-verify-0-abc-11111111-2222-3333-4444-555555555555',
    Account: '111122223333',
    Arn: 'arn:aws:sts::111122223333:assumed-role/eks-payments-reconciler/eks-prod-a-mi-verify-0-abc-11111111-2222-3333-4444-555555555555',
  },
  null,
  4,
);

function pod(overrides: Partial<PodRunStatus> = {}): PodRunStatus {
  return {
    namespace: 'payments',
    name: 'mi-verify-0-abc',
    phase: 'Succeeded',
    container: { state: 'terminated', reason: 'Completed', exitCode: 0 },
    env: { ...POD_IDENTITY_ENV },
    labels: {},
    ...overrides,
  };
}

describe('verification pod: the pod it asks for', () => {
  test('same service account and namespace, the probe image and command, a deadline, the run labels', () => {
    const runKey = runKeyOf('migrate-identity/payments/reconciler', 'run-1');
    assert.match(runKey, /^[0-9a-f]{16}$/);
    assert.equal(runKeyOf('migrate-identity/payments/reconciler', 'run-1'), runKey, 'stable');
    assert.notEqual(runKeyOf('migrate-identity/payments/reconciler', 'run-2'), runKey);
    const spec = buildVerificationPod({
      runKey,
      workflowId: 'migrate-identity/payments/reconciler',
      serviceAccount: { namespace: 'payments', name: 'reconciler' },
      probe: DEFAULT_PROBE,
      scheduling: {
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'payments', effect: 'NoSchedule' }],
      },
      suffix: 'x1y2z',
      now: '2025-01-06T09:00:00.000Z',
    });
    assert.equal(spec.name, `mi-verify-${runKey}-x1y2z`);
    assert.ok(spec.name.length <= 63);
    assert.equal(spec.namespace, 'payments');
    assert.equal(spec.serviceAccount, 'reconciler');
    assert.equal(spec.image, DEFAULT_PROBE.image);
    assert.deepEqual(spec.command, ['aws', 'sts', 'get-caller-identity', '--output', 'json']);
    assert.equal(spec.activeDeadlineSeconds, 120);
    assert.deepEqual(spec.labels, {
      [VERIFICATION_POD_LABEL]: 'true',
      [VERIFICATION_RUN_LABEL]: runKey,
      'app.kubernetes.io/managed-by': 'migrate-identity',
    });
    assert.equal(spec.annotations[EXPIRES_AT_ANNOTATION], '2025-01-06T09:07:00.000Z');
    assert.deepEqual(spec.nodeSelector, { 'kubernetes.io/os': 'linux' });
    assert.equal(spec.tolerations[0]?.value, 'payments');
  });

  test("a sweep takes its own run's pods at once, anyone's once expired, and nothing unlabelled", () => {
    const now = Date.parse('2025-01-06T10:00:00.000Z');
    const labelled = (run: string, expiresAt: string) => ({
      namespace: 'payments',
      name: 'p',
      phase: 'Running',
      labels: { [VERIFICATION_POD_LABEL]: 'true', [VERIFICATION_RUN_LABEL]: run },
      annotations: { [EXPIRES_AT_ANNOTATION]: expiresAt },
    });
    assert.equal(isSweepable(labelled('mine', '2025-01-06T11:00:00.000Z'), now, 'mine'), true);
    assert.equal(isSweepable(labelled('other', '2025-01-06T11:00:00.000Z'), now, 'mine'), false);
    assert.equal(isSweepable(labelled('other', '2025-01-06T09:59:00.000Z'), now, 'mine'), true);
    assert.equal(isSweepable(labelled('other', '2025-01-06T09:59:00.000Z'), now), true);
    assert.equal(
      isSweepable({ ...labelled('mine', '2025-01-06T09:00:00.000Z'), labels: { app: 'x' } }, now, 'mine'),
      false,
      'only verification pods',
    );
    const old = { ...labelled('other', ''), annotations: {}, createdAt: '2025-01-06T09:00:00.000Z' };
    assert.equal(isSweepable(old, now), true, 'no expiry annotation: judged by age');
  });
});

describe('verification pod: what it proves', () => {
  test('a finished pod on Pod Identity with the role and an eks-<cluster>- session is verified', () => {
    const verdict = judgeVerificationPod(pod(), `${IDENTITY_JSON}\n`, 'pod-identity', EXPECTED);
    assert.equal(verdict.state, 'verified');
    assert.match(verdict.state === 'verified' ? verdict.identity.arn : '', /assumed-role\/eks-payments-reconciler\//);
  });

  test('no Pod Identity variables: the webhook saw no association when it admitted the pod', () => {
    const verdict = judgeVerificationPod(
      pod({ env: {}, phase: 'Pending', container: undefined }),
      undefined,
      'pod-identity',
      EXPECTED,
    );
    assert.deepEqual(verdict.state === 'failed' && verdict.failure, 'not-injected');
    assert.match(verdict.state === 'failed' ? verdict.message : '', /no AWS credentials, not pod-identity/);
  });

  test('an image that cannot be pulled, a binary missing from it, a deadline: failures named as such', () => {
    const pull = judgeVerificationPod(
      pod({
        phase: 'Pending',
        container: { state: 'waiting', reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope:1"' },
      }),
      undefined,
      'pod-identity',
      EXPECTED,
    );
    assert.equal(pull.state === 'failed' && pull.failure, 'image-pull');
    const start = judgeVerificationPod(
      pod({
        phase: 'Failed',
        container: {
          state: 'terminated',
          reason: 'StartError',
          exitCode: 128,
          message: 'exec: "aws": executable file not found in $PATH',
        },
      }),
      '',
      'pod-identity',
      EXPECTED,
    );
    assert.equal(start.state === 'failed' && start.failure, 'start-error');
    const deadline = judgeVerificationPod(
      pod({
        phase: 'Failed',
        reason: 'DeadlineExceeded',
        message: 'Pod was active on the node longer than the specified deadline',
      }),
      undefined,
      'pod-identity',
      EXPECTED,
    );
    assert.equal(deadline.state === 'failed' && deadline.failure, 'deadline-exceeded');
  });

  test('a probe refused by the agent or STS is a credential failure quoting the error', () => {
    const log =
      '\nError when retrieving credentials from container-role: Error retrieving metadata: Received error when attempting to retrieve container metadata: Connect timeout on endpoint URL: "http://169.254.170.23/v1/credentials"\n';
    const verdict = judgeVerificationPod(
      pod({ phase: 'Failed', container: { state: 'terminated', reason: 'Error', exitCode: 255 } }),
      log,
      'pod-identity',
      EXPECTED,
    );
    assert.equal(verdict.state === 'failed' && verdict.failure, 'credentials');
    assert.match(
      verdict.state === 'failed' ? verdict.message : '',
      /exited 255: credentials refused: .*Connect timeout/,
    );
  });

  test('the wrong session (an IRSA one) is a failure, and a running pod is still waiting', () => {
    const irsa = IDENTITY_JSON.replaceAll(
      'eks-prod-a-mi-verify-0-abc-11111111-2222-3333-4444-555555555555',
      'botocore-session-1700000000',
    );
    const wrong = judgeVerificationPod(pod(), irsa, 'pod-identity', EXPECTED);
    assert.equal(wrong.state === 'failed' && wrong.failure, 'wrong-identity');
    const running = judgeVerificationPod(
      pod({ phase: 'Running', container: { state: 'running' } }),
      undefined,
      'pod-identity',
      EXPECTED,
    );
    assert.equal(running.state, 'waiting');
    const unschedulable = judgeVerificationPod(
      pod({
        phase: 'Pending',
        container: undefined,
        scheduled: { status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' },
      }),
      undefined,
      'pod-identity',
      EXPECTED,
    );
    assert.deepEqual(unschedulable, { state: 'waiting', note: 'unschedulable: 0/3 nodes are available' });
    assert.match(
      notStartedMessage(
        pod({
          phase: 'Pending',
          container: undefined,
          scheduled: { status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' },
        }),
        150,
      ),
      /did not finish within 150s: Unschedulable: 0\/3 nodes are available/,
    );
  });
});

describe('verification pod: a target role, and what the verdict shows', () => {
  const TARGET = 'arn:aws:iam::444455556666:role/data-reader';
  const onTarget = IDENTITY_JSON.replace(
    'arn:aws:sts::111122223333:assumed-role/eks-payments-reconciler/',
    'arn:aws:sts::444455556666:assumed-role/data-reader/',
  );

  test('with --target-role the pod must answer as the target role, not the association role', () => {
    const chained = { ...EXPECTED, targetRoleArn: TARGET };
    assert.equal(judgeVerificationPod(pod(), onTarget, 'pod-identity', chained).state, 'verified');
    const onSource = judgeVerificationPod(pod(), IDENTITY_JSON, 'pod-identity', chained);
    assert.equal(onSource.state === 'failed' && onSource.failure, 'wrong-identity');
    const unchained = judgeVerificationPod(pod(), onTarget, 'pod-identity', EXPECTED);
    assert.equal(unchained.state === 'failed' && unchained.failure, 'wrong-identity');
  });

  test("credentials in the pod's log or the kubelet's message are redacted before anyone sees them", () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const failed = judgeVerificationPod(
      pod({ phase: 'Failed', container: { state: 'terminated', reason: 'Error', exitCode: 1 } }),
      `AWS_ACCESS_KEY_ID=ASIAQWERTYUIOPASDFGH\naws_secret_access_key = ${secret}\nboom\n`,
      'pod-identity',
      EXPECTED,
    );
    const message = failed.state === 'failed' ? failed.message : '';
    assert.match(message, /probe exited 1: .*\[redacted\].*boom/);
    assert.ok(!message.includes(secret) && !message.includes('ASIAQWERTYUIOPASDFGH'), message);
    const unreadable = judgeVerificationPod(pod(), `token: ${'x'.repeat(30)}`, 'pod-identity', EXPECTED);
    assert.equal(unreadable.state === 'failed' && unreadable.failure, 'unreadable-output');
    assert.ok(!(unreadable.state === 'failed' ? unreadable.message : '').includes('x'.repeat(30)));
    const start = judgeVerificationPod(
      pod({
        phase: 'Failed',
        container: { state: 'terminated', reason: 'StartError', exitCode: 128, message: `Bearer ${secret}` },
      }),
      '',
      'pod-identity',
      EXPECTED,
    );
    assert.equal(start.state === 'failed' && start.failure, 'start-error');
    assert.ok(!(start.state === 'failed' ? start.message : '').includes(secret));
  });
});

describe('verification pod: not a controller of the service account', () => {
  const podInfo = (name: string, labels: Record<string, string>): PodInfo => ({
    namespace: 'payments',
    name,
    uid: `uid-${name}`,
    serviceAccount: 'reconciler',
    nodeLabels: {},
    labels,
    phase: 'Running',
    ready: true,
    terminating: false,
    createdAt: '2025-01-06T09:00:00.000Z',
    containers: [{ name: 'probe', image: DEFAULT_PROBE.image, env: {} }],
  });

  test('preflight does not take a verification pod for a bare pod, nor verification for a pod left out', () => {
    const probe = podInfo('mi-verify-0123456789abcdef-a1b2c', { [VERIFICATION_POD_LABEL]: 'true' });
    const bare = podInfo('debug', {});
    const reports = serviceAccountControllers({ workloads: [], pods: [probe, bare] });
    assert.deepEqual(
      reports.map((r) => `${r.kind}/${r.name}`),
      ['Pod/debug'],
    );
    const split = podsToVerify([probe, bare], []);
    assert.deepEqual(
      split.others.map((p) => p.name),
      ['debug'],
    );
    assert.equal(split.notRunning.length, 0);
  });
});
