import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createKubernetesAdapter } from '../../../src/adapters/kubernetes/adapter.js';
import type { WorkloadKind } from '../../../src/domain/types.js';
import { kubeConfigFor, startFakeKubeApi } from '../../support/fake-kube-api.js';

const APPS = '/apis/apps/v1/namespaces/payments';
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

async function setup(t: TestContext) {
  const api = await startFakeKubeApi();
  t.after(() => api.close());
  return { api, kube: createKubernetesAdapter(() => kubeConfigFor(api)) };
}

function workload(name: string, podSpec: object, extra: { generation?: number; templateAnnotations?: object } = {}) {
  return {
    metadata: { name, namespace: 'payments', generation: extra.generation ?? 1 },
    spec: {
      template: {
        metadata: { annotations: extra.templateAnnotations ?? {} },
        spec: { containers: [{ name: 'main', image: 'app:1' }], ...podSpec },
      },
    },
  };
}

const list = (items: object[], cont?: string) => ({ metadata: cont ? { continue: cont } : {}, items });

describe('listWorkloads', () => {
  test('lists the three kinds and keeps those whose pod template runs as the service account', async (t) => {
    const { api, kube } = await setup(t);
    api.on('GET', `${APPS}/deployments`, {
      body: list([
        workload(
          'api',
          { serviceAccountName: 'reconciler' },
          { generation: 4, templateAnnotations: { [RESTARTED_AT]: 'x' } },
        ),
        workload('web', { serviceAccountName: 'frontend' }),
      ]),
    });
    api.on('GET', `${APPS}/statefulsets`, { body: list([workload('db', { serviceAccount: 'reconciler' })]) });
    api.on('GET', `${APPS}/daemonsets`, { body: list([workload('agent', {})]) });

    const workloads = await kube.listWorkloads('sandbox-a', 'payments', 'reconciler');

    assert.deepEqual(workloads, [
      {
        ref: { kind: 'Deployment', namespace: 'payments', name: 'api' },
        serviceAccount: 'reconciler',
        restartedAt: 'x',
        generation: 4,
      },
      { ref: { kind: 'StatefulSet', namespace: 'payments', name: 'db' }, serviceAccount: 'reconciler', generation: 1 },
    ]);
    assert.deepEqual(api.requests.map((r) => [r.method, r.path, r.query]).sort(), [
      ['GET', `${APPS}/daemonsets`, { limit: '500' }],
      ['GET', `${APPS}/deployments`, { limit: '500' }],
      ['GET', `${APPS}/statefulsets`, { limit: '500' }],
    ]);
  });

  test('treats an empty service account name as `default`', async (t) => {
    const { api, kube } = await setup(t);
    api.on('GET', `${APPS}/deployments`, { body: list([]) });
    api.on('GET', `${APPS}/statefulsets`, { body: list([]) });
    api.on('GET', `${APPS}/daemonsets`, { body: list([workload('agent', { serviceAccountName: '' })]) });

    const workloads = await kube.listWorkloads('sandbox-a', 'payments', 'default');

    assert.deepEqual(
      workloads.map((w) => w.ref),
      [{ kind: 'DaemonSet', namespace: 'payments', name: 'agent' }],
    );
  });

  test('follows continue tokens', async (t) => {
    const { api, kube } = await setup(t);
    api.on('GET', `${APPS}/deployments`, (req) =>
      req.query.continue === 'page-2'
        ? { body: list([workload('second', { serviceAccountName: 'reconciler' })]) }
        : { body: list([workload('first', { serviceAccountName: 'reconciler' })], 'page-2') },
    );
    api.on('GET', `${APPS}/statefulsets`, { body: list([]) });
    api.on('GET', `${APPS}/daemonsets`, { body: list([]) });

    const workloads = await kube.listWorkloads('sandbox-a', 'payments', 'reconciler');

    assert.deepEqual(
      workloads.map((w) => w.ref.name),
      ['first', 'second'],
    );
    assert.deepEqual(
      api.requests.filter((r) => r.path.endsWith('/deployments')).map((r) => r.query),
      [{ limit: '500' }, { limit: '500', continue: 'page-2' }],
    );
  });
});

describe('restartWorkload', () => {
  const cases: [WorkloadKind, string][] = [
    ['Deployment', 'deployments'],
    ['StatefulSet', 'statefulsets'],
    ['DaemonSet', 'daemonsets'],
  ];
  for (const [kind, resource] of cases) {
    test(`patches the ${kind} pod template exactly as kubectl rollout restart does`, async (t) => {
      const { api, kube } = await setup(t);
      api.on('PATCH', `${APPS}/${resource}/api`, { body: workload('api', {}) });

      await kube.restartWorkload('sandbox-a', { kind, namespace: 'payments', name: 'api' }, '2026-01-02T03:04:05Z');

      assert.deepEqual(api.requests, [
        {
          method: 'PATCH',
          path: `${APPS}/${resource}/api`,
          query: {},
          contentType: 'application/strategic-merge-patch+json',
          authorization: 'Bearer test-token',
          body: { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: '2026-01-02T03:04:05Z' } } } } },
        },
      ]);
    });
  }
});

describe('getWorkloadStatus', () => {
  test('maps a Deployment', async (t) => {
    const { api, kube } = await setup(t);
    api.on('GET', `${APPS}/deployments/api`, {
      body: {
        ...workload('api', {}, { generation: 7, templateAnnotations: { [RESTARTED_AT]: '2026-01-02T03:04:05Z' } }),
        spec: {
          ...workload('api', {}, { templateAnnotations: { [RESTARTED_AT]: '2026-01-02T03:04:05Z' } }).spec,
          replicas: 3,
          strategy: { type: 'RollingUpdate' },
        },
        status: {
          observedGeneration: 6,
          replicas: 4,
          updatedReplicas: 2,
          availableReplicas: 3,
          readyReplicas: 3,
          conditions: [
            {
              type: 'Available',
              status: 'True',
              reason: 'MinimumReplicasAvailable',
              message: 'ok',
              lastUpdateTime: '2026-01-02T03:04:05Z',
            },
            { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' },
          ],
        },
      },
    });

    const status = await kube.getWorkloadStatus('sandbox-a', {
      kind: 'Deployment',
      namespace: 'payments',
      name: 'api',
    });

    assert.deepEqual(status, {
      ref: { kind: 'Deployment', namespace: 'payments', name: 'api' },
      generation: 7,
      observedGeneration: 6,
      restartedAt: '2026-01-02T03:04:05Z',
      desiredReplicas: 3,
      currentReplicas: 4,
      updatedReplicas: 2,
      availableReplicas: 3,
      readyReplicas: 3,
      updateStrategy: 'RollingUpdate',
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'ok' },
        { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' },
      ],
    });
    assert.deepEqual(
      api.requests.map((r) => [r.method, r.path]),
      [['GET', `${APPS}/deployments/api`]],
    );
  });

  test('maps a StatefulSet with its partition and revisions', async (t) => {
    const { api, kube } = await setup(t);
    api.on('GET', `${APPS}/statefulsets/db`, {
      body: {
        metadata: { name: 'db', namespace: 'payments', generation: 2 },
        spec: {
          replicas: 3,
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } },
          template: { spec: { containers: [{ name: 'db' }] } },
        },
        status: {
          observedGeneration: 2,
          replicas: 3,
          updatedReplicas: 1,
          availableReplicas: 3,
          readyReplicas: 3,
          currentRevision: 'db-1',
          updateRevision: 'db-2',
        },
      },
    });

    const status = await kube.getWorkloadStatus('sandbox-a', {
      kind: 'StatefulSet',
      namespace: 'payments',
      name: 'db',
    });

    assert.deepEqual(status, {
      ref: { kind: 'StatefulSet', namespace: 'payments', name: 'db' },
      generation: 2,
      observedGeneration: 2,
      desiredReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 1,
      availableReplicas: 3,
      readyReplicas: 3,
      updateStrategy: 'RollingUpdate',
      partition: 1,
      currentRevision: 'db-1',
      updateRevision: 'db-2',
      conditions: [],
    });
  });

  test('maps a DaemonSet from its scheduling counters', async (t) => {
    const { api, kube } = await setup(t);
    api.on('GET', `${APPS}/daemonsets/agent`, {
      body: {
        metadata: { name: 'agent', namespace: 'payments', generation: 5 },
        spec: { updateStrategy: { type: 'OnDelete' }, template: { spec: { containers: [{ name: 'agent' }] } } },
        status: {
          observedGeneration: 5,
          desiredNumberScheduled: 6,
          currentNumberScheduled: 6,
          updatedNumberScheduled: 4,
          numberAvailable: 5,
          numberReady: 5,
        },
      },
    });

    const status = await kube.getWorkloadStatus('sandbox-a', {
      kind: 'DaemonSet',
      namespace: 'payments',
      name: 'agent',
    });

    assert.deepEqual(status, {
      ref: { kind: 'DaemonSet', namespace: 'payments', name: 'agent' },
      generation: 5,
      observedGeneration: 5,
      desiredReplicas: 6,
      currentReplicas: 6,
      updatedReplicas: 4,
      availableReplicas: 5,
      readyReplicas: 5,
      updateStrategy: 'OnDelete',
      conditions: [],
    });
  });

  test('defaults a fresh Deployment that has no status yet', async (t) => {
    const { api, kube } = await setup(t);
    api.on('GET', `${APPS}/deployments/api`, { body: workload('api', {}) });

    const status = await kube.getWorkloadStatus('sandbox-a', {
      kind: 'Deployment',
      namespace: 'payments',
      name: 'api',
    });

    assert.equal(status.desiredReplicas, 1);
    assert.equal(status.observedGeneration, 0);
    assert.equal(status.updatedReplicas, 0);
    assert.equal(status.updateStrategy, 'RollingUpdate');
  });
});

describe('getDaemonSet', () => {
  test('reads the DaemonSet counters', async (t) => {
    const { api, kube } = await setup(t);
    api.on('GET', '/apis/apps/v1/namespaces/kube-system/daemonsets/eks-pod-identity-agent', {
      body: {
        metadata: { name: 'eks-pod-identity-agent', namespace: 'kube-system' },
        status: { desiredNumberScheduled: 3, numberReady: 2 },
      },
    });

    const ds = await kube.getDaemonSet('sandbox-a', 'kube-system', 'eks-pod-identity-agent');

    assert.deepEqual(ds, {
      namespace: 'kube-system',
      name: 'eks-pod-identity-agent',
      desiredNumberScheduled: 3,
      numberReady: 2,
    });
    assert.deepEqual(
      api.requests.map((r) => [r.method, r.path]),
      [['GET', '/apis/apps/v1/namespaces/kube-system/daemonsets/eks-pod-identity-agent']],
    );
  });

  test('returns undefined for a 404 (Auto Mode has no agent DaemonSet)', async (t) => {
    const { kube } = await setup(t);

    assert.equal(await kube.getDaemonSet('sandbox-a', 'kube-system', 'eks-pod-identity-agent'), undefined);
  });
});
