import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createKubernetesAdapter } from '../../../src/adapters/kubernetes/adapter.js';
import { PortError } from '../../../src/ports/errors.js';
import { kubeConfigFor, kubeStatus, startFakeKubeApi } from '../../support/fake-kube-api.js';

const PODS = '/api/v1/namespaces/payments/pods';

async function setup(t: TestContext) {
  const api = await startFakeKubeApi();
  t.after(() => api.close());
  return { api, kube: createKubernetesAdapter(() => kubeConfigFor(api)) };
}

function pod(name: string, opts: { node?: string; owner?: { kind: string; name: string }; extra?: object } = {}) {
  return {
    metadata: {
      name,
      namespace: 'payments',
      uid: `uid-${name}`,
      labels: { app: name },
      creationTimestamp: '2026-01-02T03:04:05Z',
      ...(opts.owner && {
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: opts.owner.kind, name: opts.owner.name, uid: 'o', controller: true },
        ],
      }),
    },
    spec: {
      serviceAccountName: 'reconciler',
      ...(opts.node && { nodeName: opts.node }),
      containers: [{ name: 'main', image: 'app:1' }],
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    ...opts.extra,
  };
}

const replicaSet = (name: string, deployment?: string) => ({
  metadata: {
    name,
    namespace: 'payments',
    ...(deployment && {
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment, uid: 'd', controller: true }],
    }),
  },
});

test('lists pods by field selector and maps containers, readiness and termination', async (t) => {
  const { api, kube } = await setup(t);
  api.on('GET', PODS, {
    body: {
      metadata: {},
      items: [
        {
          ...pod('api-1'),
          metadata: { ...pod('api-1').metadata, deletionTimestamp: '2026-01-02T04:00:00Z' },
          spec: {
            serviceAccountName: 'reconciler',
            containers: [
              {
                name: 'main',
                image: 'app:2',
                env: [
                  { name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::111122223333:role/reconciler' },
                  { name: 'SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
                ],
              },
              { name: 'sidecar', image: 'proxy:1' },
            ],
          },
          status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] },
        },
      ],
    },
  });

  const pods = await kube.listPods('sandbox-a', 'payments', 'reconciler');

  assert.deepEqual(pods, [
    {
      namespace: 'payments',
      name: 'api-1',
      uid: 'uid-api-1',
      serviceAccount: 'reconciler',
      nodeLabels: {},
      labels: { app: 'api-1' },
      phase: 'Running',
      ready: false,
      terminating: true,
      createdAt: '2026-01-02T03:04:05.000Z',
      containers: [
        {
          name: 'main',
          image: 'app:2',
          env: { AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/reconciler', SECRET: '' },
        },
        { name: 'sidecar', image: 'proxy:1', env: {} },
      ],
    },
  ]);
  assert.deepEqual(api.requests, [
    {
      method: 'GET',
      path: PODS,
      query: { fieldSelector: 'spec.serviceAccountName=reconciler', limit: '500' },
      authorization: 'Bearer test-token',
    },
  ]);
});

test('reports container restarts and why containers wait (a crash-looping app), as the kubelet sets them', async (t) => {
  const { api, kube } = await setup(t);
  // ContainerStatus as a kubelet reports a container that keeps exiting, and a healthy sidecar.
  const crashing = pod('api-2', {
    extra: {
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          {
            name: 'main',
            image: 'app:1',
            imageID: 'app@sha256:0',
            ready: false,
            started: false,
            restartCount: 5,
            lastState: { terminated: { exitCode: 1, reason: 'Error' } },
            state: {
              waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s restarting failed container=main' },
            },
          },
          {
            name: 'sidecar',
            image: 'proxy:1',
            imageID: 'proxy@sha256:0',
            ready: true,
            restartCount: 1,
            state: { running: {} },
          },
        ],
      },
    },
  });
  const healthy = pod('api-3', {
    extra: {
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [
          { name: 'main', image: 'app:1', imageID: 'x', ready: true, restartCount: 0, state: { running: {} } },
        ],
      },
    },
  });
  api.on('GET', PODS, { body: { metadata: {}, items: [crashing, healthy] } });

  const [a, b] = await kube.listPods('sandbox-a', 'payments', 'reconciler');

  assert.equal(a?.restarts, 6);
  assert.deepEqual(a?.waitingReasons, ['CrashLoopBackOff']);
  assert.equal(b?.restarts, undefined, 'no restart, no field');
  assert.equal(b?.waitingReasons, undefined);
});

test('reads each distinct node once and attaches its labels; a forbidden node gives empty labels', async (t) => {
  const { api, kube } = await setup(t);
  api.on('GET', PODS, {
    body: {
      metadata: {},
      items: [
        pod('a', { node: 'node-1' }),
        pod('b', { node: 'node-1' }),
        pod('c', { node: 'fargate-1' }),
        pod('d', { node: 'secret-node' }),
        pod('pending'),
      ],
    },
  });
  api.on('GET', '/api/v1/nodes/node-1', {
    body: { metadata: { name: 'node-1', labels: { 'kubernetes.io/os': 'linux' } } },
  });
  api.on('GET', '/api/v1/nodes/fargate-1', {
    body: { metadata: { name: 'fargate-1', labels: { 'eks.amazonaws.com/compute-type': 'fargate' } } },
  });
  api.on('GET', '/api/v1/nodes/secret-node', {
    status: 403,
    body: kubeStatus(403, 'Forbidden', 'nodes "secret-node" is forbidden'),
  });

  const pods = await kube.listPods('sandbox-a', 'payments', 'reconciler');

  assert.deepEqual(
    pods.map((p) => [p.name, p.nodeName, p.nodeLabels]),
    [
      ['a', 'node-1', { 'kubernetes.io/os': 'linux' }],
      ['b', 'node-1', { 'kubernetes.io/os': 'linux' }],
      ['c', 'fargate-1', { 'eks.amazonaws.com/compute-type': 'fargate' }],
      ['d', 'secret-node', {}],
      ['pending', undefined, {}],
    ],
  );
  assert.deepEqual(
    api.requests
      .filter((r) => r.path.startsWith('/api/v1/nodes/'))
      .map((r) => `${r.method} ${r.path}`)
      .sort(),
    ['GET /api/v1/nodes/fargate-1', 'GET /api/v1/nodes/node-1', 'GET /api/v1/nodes/secret-node'],
  );
});

test('resolves owners: ReplicaSet to its Deployment, StatefulSet and DaemonSet directly', async (t) => {
  const { api, kube } = await setup(t);
  api.on('GET', PODS, {
    body: {
      metadata: {},
      items: [
        pod('api-7d9f-a', { owner: { kind: 'ReplicaSet', name: 'api-7d9f' } }),
        pod('api-7d9f-b', { owner: { kind: 'ReplicaSet', name: 'api-7d9f' } }),
        pod('db-0', { owner: { kind: 'StatefulSet', name: 'db' } }),
        pod('agent-x', { owner: { kind: 'DaemonSet', name: 'agent' } }),
        pod('bare-rs-1', { owner: { kind: 'ReplicaSet', name: 'bare-rs' } }),
        pod('old-rs-1', { owner: { kind: 'ReplicaSet', name: 'old-rs' } }),
        pod('job-1', { owner: { kind: 'Job', name: 'job' } }),
        pod('naked'),
      ],
    },
  });
  api.on('GET', '/apis/apps/v1/namespaces/payments/replicasets/api-7d9f', { body: replicaSet('api-7d9f', 'api') });
  api.on('GET', '/apis/apps/v1/namespaces/payments/replicasets/bare-rs', { body: replicaSet('bare-rs') });

  const pods = await kube.listPods('sandbox-a', 'payments', 'reconciler');

  assert.deepEqual(
    pods.map((p) => [p.name, p.owner]),
    [
      ['api-7d9f-a', { kind: 'Deployment', namespace: 'payments', name: 'api' }],
      ['api-7d9f-b', { kind: 'Deployment', namespace: 'payments', name: 'api' }],
      ['db-0', { kind: 'StatefulSet', namespace: 'payments', name: 'db' }],
      ['agent-x', { kind: 'DaemonSet', namespace: 'payments', name: 'agent' }],
      ['bare-rs-1', undefined],
      // The scripted server has no `old-rs`: a ReplicaSet deleted while its pod terminates.
      ['old-rs-1', undefined],
      ['job-1', undefined],
      ['naked', undefined],
    ],
  );
  assert.deepEqual(
    api.requests
      .filter((r) => r.path.includes('/replicasets/'))
      .map((r) => r.path)
      .sort(),
    [
      '/apis/apps/v1/namespaces/payments/replicasets/api-7d9f',
      '/apis/apps/v1/namespaces/payments/replicasets/bare-rs',
      '/apis/apps/v1/namespaces/payments/replicasets/old-rs',
    ],
  );
});

test('fails loudly when ReplicaSets may not be read', async (t) => {
  const { api, kube } = await setup(t);
  api.on('GET', PODS, {
    body: { metadata: {}, items: [pod('api-1', { owner: { kind: 'ReplicaSet', name: 'api-1' } })] },
  });
  api.on('GET', '/apis/apps/v1/namespaces/payments/replicasets/api-1', {
    status: 403,
    body: kubeStatus(403, 'Forbidden', 'replicasets.apps "api-1" is forbidden'),
  });

  await assert.rejects(kube.listPods('sandbox-a', 'payments', 'reconciler'), (err: unknown) => {
    assert.ok(err instanceof PortError);
    assert.equal(err.kind, 'access-denied');
    assert.equal(
      err.message,
      'kubernetes sandbox-a: read replicaset payments/api-1: replicasets.apps "api-1" is forbidden',
    );
    return true;
  });
});

test('drops pods of other service accounts should a server ignore the field selector', async (t) => {
  const { api, kube } = await setup(t);
  const other = pod('other');
  api.on('GET', PODS, {
    body: { metadata: {}, items: [pod('mine'), { ...other, spec: { ...other.spec, serviceAccountName: 'frontend' } }] },
  });

  const pods = await kube.listPods('sandbox-a', 'payments', 'reconciler');

  assert.deepEqual(
    pods.map((p) => p.name),
    ['mine'],
  );
});

test('follows continue tokens when listing pods', async (t) => {
  const { api, kube } = await setup(t);
  api.on('GET', PODS, (req) =>
    req.query.continue === 'next'
      ? { body: { metadata: {}, items: [pod('second')] } }
      : { body: { metadata: { continue: 'next' }, items: [pod('first')] } },
  );

  const pods = await kube.listPods('sandbox-a', 'payments', 'reconciler');

  assert.deepEqual(
    pods.map((p) => p.name),
    ['first', 'second'],
  );
  assert.deepEqual(
    api.requests.map((r) => r.query),
    [
      { fieldSelector: 'spec.serviceAccountName=reconciler', limit: '500' },
      { fieldSelector: 'spec.serviceAccountName=reconciler', limit: '500', continue: 'next' },
    ],
  );
});

test('maps envFrom sources, whose variables the pod spec does not list', async (t) => {
  const { api, kube } = await setup(t);
  const base = pod('api-1');
  api.on('GET', PODS, {
    body: {
      metadata: {},
      items: [
        {
          ...base,
          spec: {
            ...base.spec,
            containers: [
              {
                name: 'main',
                image: 'app:1',
                env: [{ name: 'HTTPS_PROXY', value: 'http://proxy:3128' }],
                envFrom: [
                  { configMapRef: { name: 'proxy-settings' } },
                  { prefix: 'DB_', secretRef: { name: 'db', optional: true } },
                ],
              },
              { name: 'sidecar', image: 'side:1' },
            ],
          },
        },
      ],
    },
  });

  const [found] = await kube.listPods('sandbox-a', 'payments', 'reconciler');

  assert.deepEqual(found?.containers, [
    {
      name: 'main',
      image: 'app:1',
      env: { HTTPS_PROXY: 'http://proxy:3128' },
      envFrom: [
        { kind: 'ConfigMap', name: 'proxy-settings' },
        { kind: 'Secret', name: 'db', prefix: 'DB_' },
      ],
    },
    { name: 'sidecar', image: 'side:1', env: {} },
  ]);
});

test('resolves each pod to the controller at the top of its owner chain, whatever its kind', async (t) => {
  const { api, kube } = await setup(t);
  const ownedBy = (name: string, apiVersion: string, kind: string, owner: string) => {
    const p = pod(name);
    return {
      ...p,
      metadata: { ...p.metadata, ownerReferences: [{ apiVersion, kind, name: owner, uid: 'o', controller: true }] },
    };
  };
  const owned = (name: string, apiVersion: string, kind: string, owner?: string) => ({
    metadata: {
      name,
      namespace: 'payments',
      ...(owner && { ownerReferences: [{ apiVersion, kind, name: owner, uid: 'x', controller: true }] }),
    },
  });
  api.on('GET', PODS, {
    body: {
      metadata: {},
      items: [
        ownedBy('api-7d9f-a', 'apps/v1', 'ReplicaSet', 'api-7d9f'),
        ownedBy('canary-5c4b-a', 'apps/v1', 'ReplicaSet', 'canary-5c4b'),
        ownedBy('nightly-29000000-x', 'batch/v1', 'Job', 'nightly-29000000'),
        ownedBy('migrate-db-x', 'batch/v1', 'Job', 'migrate-db'),
        ownedBy('clone-1', 'apps.kruise.io/v1alpha1', 'CloneSet', 'clone'),
        ownedBy('db-0', 'apps/v1', 'StatefulSet', 'db'),
        pod('debug'),
      ],
    },
  });
  api.on('GET', '/apis/apps/v1/namespaces/payments/replicasets/api-7d9f', { body: replicaSet('api-7d9f', 'api') });
  // Argo Rollouts own their ReplicaSets (argoproj.io/v1alpha1 Rollout); nothing restarts them but Argo.
  api.on('GET', '/apis/apps/v1/namespaces/payments/replicasets/canary-5c4b', {
    body: owned('canary-5c4b', 'argoproj.io/v1alpha1', 'Rollout', 'canary'),
  });
  api.on('GET', '/apis/batch/v1/namespaces/payments/jobs/nightly-29000000', {
    body: owned('nightly-29000000', 'batch/v1', 'CronJob', 'nightly'),
  });
  api.on('GET', '/apis/batch/v1/namespaces/payments/jobs/migrate-db', { body: owned('migrate-db', 'batch/v1', 'Job') });

  const pods = await kube.listPods('sandbox-a', 'payments', 'reconciler');

  assert.deepEqual(
    pods.map((p) => [p.name, p.controller, p.owner]),
    [
      [
        'api-7d9f-a',
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
        { kind: 'Deployment', namespace: 'payments', name: 'api' },
      ],
      ['canary-5c4b-a', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'canary' }, undefined],
      ['nightly-29000000-x', { apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly' }, undefined],
      ['migrate-db-x', { apiVersion: 'batch/v1', kind: 'Job', name: 'migrate-db' }, undefined],
      ['clone-1', { apiVersion: 'apps.kruise.io/v1alpha1', kind: 'CloneSet', name: 'clone' }, undefined],
      [
        'db-0',
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' },
        { kind: 'StatefulSet', namespace: 'payments', name: 'db' },
      ],
      ['debug', undefined, undefined],
    ],
  );
});

test('lists Jobs and CronJobs with the service account their template runs as', async (t) => {
  const { api, kube } = await setup(t);
  const template = (serviceAccountName?: string) => ({
    spec: { ...(serviceAccountName && { serviceAccountName }), containers: [{ name: 'main', image: 'job:1' }] },
  });
  api.on('GET', '/apis/batch/v1/namespaces/payments/cronjobs', {
    body: {
      metadata: {},
      items: [
        {
          metadata: { name: 'nightly', namespace: 'payments' },
          spec: { schedule: '0 3 * * *', suspend: true, jobTemplate: { spec: { template: template('reconciler') } } },
          status: { active: [{ name: 'nightly-29000000' }] },
        },
      ],
    },
  });
  api.on('GET', '/apis/batch/v1/namespaces/payments/jobs', {
    body: {
      metadata: {},
      items: [
        {
          metadata: {
            name: 'nightly-29000000',
            namespace: 'payments',
            ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: 'c', controller: true }],
          },
          spec: { template: template('reconciler') },
          status: { active: 1 },
        },
        {
          metadata: { name: 'migrate-db', namespace: 'payments' },
          spec: { template: template() },
          status: { conditions: [{ type: 'Complete', status: 'True' }] },
        },
      ],
    },
  });

  const jobs = await kube.listJobs('sandbox-a', 'payments');

  assert.deepEqual(jobs, [
    {
      kind: 'CronJob',
      namespace: 'payments',
      name: 'nightly',
      serviceAccount: 'reconciler',
      active: 1,
      suspended: true,
    },
    {
      kind: 'Job',
      namespace: 'payments',
      name: 'nightly-29000000',
      serviceAccount: 'reconciler',
      cronJob: 'nightly',
      active: 1,
      finished: false,
    },
    { kind: 'Job', namespace: 'payments', name: 'migrate-db', serviceAccount: 'default', active: 0, finished: true },
  ]);
  assert.deepEqual(api.requests.map((r) => `${r.path}?limit=${String(r.query.limit)}`).sort(), [
    '/apis/batch/v1/namespaces/payments/cronjobs?limit=500',
    '/apis/batch/v1/namespaces/payments/jobs?limit=500',
  ]);
});
