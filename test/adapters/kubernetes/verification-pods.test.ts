// The verification pod's calls on the wire, and the pod statuses a kubelet reports mapped
// as the verification reads them. The statuses are shaped as kube-apiserver returns them for
// a Pod Identity pod (the eks-pod-identity-webhook's mutation: env, projected token volume,
// the `eks.amazonaws.com/pod-identity` label) and for the failures a kubelet on containerd
// reports (image pull back-off, StartError, the active deadline, an unschedulable pod).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { createKubernetesAdapter } from '../../../src/adapters/kubernetes/adapter.js';
import { POD_LOG_LIMIT_BYTES } from '../../../src/adapters/kubernetes/verification-pods.js';
import { POD_IDENTITY_TOKEN_FILE, POD_IDENTITY_URI } from '../../../src/domain/constants.js';
import { buildVerificationPod, DEFAULT_PROBE, runSelector } from '../../../src/domain/verification-pod.js';
import { isPortError } from '../../../src/ports/errors.js';
import { kubeConfigFor, kubeStatus, startFakeKubeApi } from '../../support/fake-kube-api.js';

const PODS = '/api/v1/namespaces/payments/pods';
const NAME = 'mi-verify-0123456789abcdef-a1b2c';
const SPEC = buildVerificationPod({
  runKey: '0123456789abcdef',
  workflowId: 'migrate-identity/payments/reconciler',
  serviceAccount: { namespace: 'payments', name: 'reconciler' },
  probe: DEFAULT_PROBE,
  scheduling: {
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'payments', effect: 'NoSchedule' }],
  },
  suffix: 'a1b2c',
  now: '2026-01-02T03:04:05.000Z',
});

/** `actual` cut down to the keys `expected` names, nested objects included. */
function shapeLike(actual: unknown, expected: Record<string, unknown>): Record<string, unknown> {
  const record = (actual ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(expected).map(([key, value]) => [
      key,
      value !== null && typeof value === 'object'
        ? shapeLike(record[key], value as Record<string, unknown>)
        : record[key],
    ]),
  );
}

async function setup(t: TestContext) {
  const api = await startFakeKubeApi();
  t.after(() => api.close());
  return { api, kube: createKubernetesAdapter(() => kubeConfigFor(api)) };
}

/** The pod as the API returns it after the webhook mutated it and the kubelet reported `status`. */
function storedPod(status: object, spec: object = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: NAME,
      namespace: 'payments',
      uid: 'd6f1c1a4-0000-4000-8000-000000000001',
      creationTimestamp: '2026-01-02T03:04:05Z',
      labels: { ...SPEC.labels, 'eks.amazonaws.com/pod-identity': 'enabled' },
      annotations: SPEC.annotations,
    },
    spec: {
      serviceAccountName: 'reconciler',
      restartPolicy: 'Never',
      activeDeadlineSeconds: 120,
      nodeName: 'ip-10-0-1-10.ec2.internal',
      containers: [
        {
          name: 'probe',
          image: DEFAULT_PROBE.image,
          command: DEFAULT_PROBE.command,
          env: [
            { name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' },
            { name: 'AWS_DEFAULT_REGION', value: 'us-east-1' },
            { name: 'AWS_REGION', value: 'us-east-1' },
            { name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: POD_IDENTITY_URI },
            { name: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', value: POD_IDENTITY_TOKEN_FILE },
          ],
          volumeMounts: [
            {
              name: 'eks-pod-identity-token',
              readOnly: true,
              mountPath: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount',
            },
          ],
        },
      ],
      volumes: [
        {
          name: 'eks-pod-identity-token',
          projected: {
            sources: [
              {
                serviceAccountToken: {
                  audience: 'pods.eks.amazonaws.com',
                  expirationSeconds: 86400,
                  path: 'eks-pod-identity-token',
                },
              },
            ],
          },
        },
      ],
      ...spec,
    },
    status,
  };
}

test('createPod sends exactly the verification pod: its service account, probe, deadline, labels, no env of its own', async (t) => {
  const { api, kube } = await setup(t);
  api.on('POST', PODS, { status: 201, body: storedPod({ phase: 'Pending' }) });
  await kube.createPod('prod-a', SPEC);
  const [request] = api.requests;
  assert.equal(request?.method, 'POST');
  assert.equal(request?.path, PODS);
  assert.deepEqual(request?.body, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: NAME, namespace: 'payments', labels: SPEC.labels, annotations: SPEC.annotations },
    spec: {
      serviceAccountName: 'reconciler',
      restartPolicy: 'Never',
      activeDeadlineSeconds: 120,
      terminationGracePeriodSeconds: 0,
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'payments', effect: 'NoSchedule' }],
      containers: [{ name: 'probe', image: DEFAULT_PROBE.image, command: DEFAULT_PROBE.command }],
    },
  });
});

test('createPod: AlreadyExists is a conflict, a missing service account is refused', async (t) => {
  const { api, kube } = await setup(t);
  api.on('POST', PODS, { status: 409, body: kubeStatus(409, 'AlreadyExists', `pods "${NAME}" already exists`) });
  await assert.rejects(kube.createPod('prod-a', SPEC), (e) => isPortError(e, 'conflict'));
  api.on('POST', PODS, {
    status: 403,
    body: kubeStatus(
      403,
      'Forbidden',
      `pods "${NAME}" is forbidden: error looking up service account payments/reconciler: serviceaccount "reconciler" not found`,
    ),
  });
  await assert.rejects(kube.createPod('prod-a', SPEC), (e) => isPortError(e, 'access-denied'));
});

test('getPod maps a finished Pod Identity pod: phase, container, the env the webhook injected', async (t) => {
  const { api, kube } = await setup(t);
  api.on('GET', `${PODS}/${NAME}`, {
    body: storedPod({
      phase: 'Succeeded',
      conditions: [{ type: 'PodScheduled', status: 'True' }],
      containerStatuses: [
        {
          name: 'probe',
          image: DEFAULT_PROBE.image,
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: '2026-01-02T03:04:08Z' } },
        },
      ],
    }),
  });
  const status = await kube.getPod('prod-a', 'payments', NAME);
  assert.deepEqual(status, {
    namespace: 'payments',
    name: NAME,
    phase: 'Succeeded',
    nodeName: 'ip-10-0-1-10.ec2.internal',
    scheduled: { status: 'True' },
    container: { state: 'terminated', exitCode: 0, reason: 'Completed' },
    env: {
      AWS_STS_REGIONAL_ENDPOINTS: 'regional',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_REGION: 'us-east-1',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: POD_IDENTITY_URI,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: POD_IDENTITY_TOKEN_FILE,
    },
    labels: { ...SPEC.labels, 'eks.amazonaws.com/pod-identity': 'enabled' },
    createdAt: '2026-01-02T03:04:05.000Z',
  });
});

test('getPod maps the kubelet failures: image pull back-off, StartError, DeadlineExceeded, Unschedulable; gone is undefined', async (t) => {
  const { api, kube } = await setup(t);
  const statuses: [object, Record<string, unknown>][] = [
    [
      {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'probe',
            ready: false,
            restartCount: 0,
            image: 'nope:1',
            state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope:1"' } },
          },
        ],
      },
      { container: { state: 'waiting', reason: 'ImagePullBackOff', message: 'Back-off pulling image "nope:1"' } },
    ],
    [
      {
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'probe',
            ready: false,
            restartCount: 0,
            image: 'distroless:1',
            state: {
              terminated: {
                exitCode: 128,
                reason: 'StartError',
                message:
                  'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: "aws": executable file not found in $PATH: unknown',
              },
            },
          },
        ],
      },
      { phase: 'Failed', container: { state: 'terminated', exitCode: 128, reason: 'StartError' } },
    ],
    [
      {
        phase: 'Failed',
        reason: 'DeadlineExceeded',
        message: 'Pod was active on the node longer than the specified deadline',
      },
      { phase: 'Failed', reason: 'DeadlineExceeded' },
    ],
    [
      {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
          },
        ],
      },
      { phase: 'Pending', scheduled: { status: 'False', reason: 'Unschedulable' } },
    ],
  ];
  for (const [status, expected] of statuses) {
    api.on('GET', `${PODS}/${NAME}`, { body: storedPod(status) });
    const read = await kube.getPod('prod-a', 'payments', NAME);
    assert.deepEqual(shapeLike(read, expected), expected);
  }
  api.on('GET', `${PODS}/${NAME}`, { status: 404, body: kubeStatus(404, 'NotFound', `pods "${NAME}" not found`) });
  assert.equal(await kube.getPod('prod-a', 'payments', NAME), undefined);
});

test('readPodLog asks for the probe container, bounded, and returns the text as sent', async (t) => {
  const { api, kube } = await setup(t);
  const identity =
    '{\n    "UserId": "AROAEXAMPLE:eks-prod-a-mi-verify-0-a1b2c-1b2c3d4e",\n    "Account": "111122223333",\n    "Arn": "arn:aws:sts::111122223333:assumed-role/eks-payments-reconciler/eks-prod-a-mi-verify-0-a1b2c-1b2c3d4e"\n}\n';
  api.on('GET', `${PODS}/${NAME}/log`, { text: { contentType: 'text/plain', content: identity } });
  assert.equal(await kube.readPodLog('prod-a', 'payments', NAME, 'probe'), identity);
  const request = api.requests.at(-1);
  assert.deepEqual(request?.query, { container: 'probe', limitBytes: String(POD_LOG_LIMIT_BYTES) });
  api.on('GET', `${PODS}/${NAME}/log`, {
    status: 400,
    body: kubeStatus(400, 'BadRequest', `container "probe" in pod "${NAME}" is waiting to start: ContainerCreating`),
  });
  await assert.rejects(kube.readPodLog('prod-a', 'payments', NAME, 'probe'), (e) => isPortError(e, 'validation'));
});

test('deletePod deletes with no grace period; a pod already gone is no error', async (t) => {
  const { api, kube } = await setup(t);
  api.on('DELETE', `${PODS}/${NAME}`, { body: storedPod({ phase: 'Succeeded' }) });
  await kube.deletePod('prod-a', 'payments', NAME);
  assert.deepEqual(api.requests.at(-1)?.query, { gracePeriodSeconds: '0' });
  api.on('DELETE', `${PODS}/${NAME}`, { status: 404, body: kubeStatus(404, 'NotFound', `pods "${NAME}" not found`) });
  await kube.deletePod('prod-a', 'payments', NAME);
});

test('listPodsWithLabels selects by label in every namespace, or in one, over all pages', async (t) => {
  const { api, kube } = await setup(t);
  const item = (name: string, namespace: string) => ({
    metadata: {
      name,
      namespace,
      labels: SPEC.labels,
      annotations: SPEC.annotations,
      creationTimestamp: '2026-01-02T03:04:05Z',
    },
    status: { phase: 'Running' },
  });
  api.on('GET', '/api/v1/pods', (req) =>
    req.query.continue === undefined
      ? { body: { metadata: { continue: 'next' }, items: [item('a', 'payments')] } }
      : { body: { metadata: {}, items: [item('b', 'orders')] } },
  );
  const all = await kube.listPodsWithLabels('prod-a', runSelector('0123456789abcdef'));
  assert.deepEqual(
    all.map((p) => [p.namespace, p.name, p.phase, p.createdAt]),
    [
      ['payments', 'a', 'Running', '2026-01-02T03:04:05.000Z'],
      ['orders', 'b', 'Running', '2026-01-02T03:04:05.000Z'],
    ],
  );
  assert.equal(
    api.requests[0]?.query.labelSelector,
    'migrate-identity.io/verification-pod=true,migrate-identity.io/run=0123456789abcdef',
  );
  api.on('GET', PODS, { body: { metadata: {}, items: [item('a', 'payments')] } });
  assert.deepEqual(
    (await kube.listPodsWithLabels('prod-a', runSelector('0123456789abcdef'), 'payments')).map((p) => p.name),
    ['a'],
  );
  assert.equal(api.requests.at(-1)?.path, PODS);
});

test("getPodScheduling reads the workload template's node selector and tolerations", async (t) => {
  const { api, kube } = await setup(t);
  api.on('GET', '/apis/apps/v1/namespaces/payments/deployments/reconciler', {
    body: {
      metadata: { name: 'reconciler', namespace: 'payments' },
      spec: {
        selector: { matchLabels: { app: 'reconciler' } },
        template: {
          metadata: { labels: { app: 'reconciler' } },
          spec: {
            nodeSelector: { 'karpenter.sh/nodepool': 'payments' },
            tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'payments', effect: 'NoSchedule' }],
            containers: [{ name: 'app', image: 'app:1' }],
          },
        },
      },
    },
  });
  assert.deepEqual(
    await kube.getPodScheduling('prod-a', { kind: 'Deployment', namespace: 'payments', name: 'reconciler' }),
    {
      nodeSelector: { 'karpenter.sh/nodepool': 'payments' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'payments', effect: 'NoSchedule' }],
    },
  );
});
