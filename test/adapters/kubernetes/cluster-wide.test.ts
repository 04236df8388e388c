import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createKubernetesAdapter } from '../../../src/adapters/kubernetes/adapter.js';
import { isPortError } from '../../../src/ports/errors.js';
import type { RecordedRequest, Reply } from '../../support/fake-kube-api.js';
import { kubeConfigFor, kubeStatus, startFakeKubeApi } from '../../support/fake-kube-api.js';

const PAGE_SIZE = 2;

async function setup(t: TestContext) {
  const api = await startFakeKubeApi();
  t.after(() => api.close());
  return { api, kube: createKubernetesAdapter(() => kubeConfigFor(api), { listPageSize: PAGE_SIZE }) };
}

/** Answers list requests as the API server does: `limit` items from the position the continue token names. */
function paged(items: object[]) {
  return (req: RecordedRequest): Reply => {
    const limit = Number(req.query.limit);
    const start = typeof req.query.continue === 'string' ? Number(req.query.continue.replace('at-', '')) : 0;
    const end = start + limit;
    return { body: { metadata: end < items.length ? { continue: `at-${end}` } : {}, items: items.slice(start, end) } };
  };
}

/** The query of each request to `path`, in order. */
const queries = (requests: RecordedRequest[], path: string) =>
  requests.filter((r) => r.path === path).map((r) => r.query);

const serviceAccount = (namespace: string, name: string, annotations?: Record<string, string>) => ({
  metadata: { namespace, name, ...(annotations && { annotations }) },
});

function workload(namespace: string, name: string, serviceAccountName?: string) {
  return {
    metadata: { namespace, name, generation: 3 },
    spec: { template: { spec: { ...(serviceAccountName && { serviceAccountName }), containers: [] } } },
  };
}

function pod(namespace: string, name: string, opts: { node?: string; owner?: { kind: string; name: string } } = {}) {
  return {
    metadata: {
      namespace,
      name,
      uid: `uid-${name}`,
      ...(opts.owner && {
        ownerReferences: [{ apiVersion: 'apps/v1', kind: opts.owner.kind, name: opts.owner.name, controller: true }],
      }),
    },
    spec: { serviceAccountName: 'app', ...(opts.node && { nodeName: opts.node }), containers: [] },
    status: { phase: 'Running' },
  };
}

const replicaSet = (namespace: string, name: string, deployment: string) => ({
  metadata: {
    namespace,
    name,
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment, controller: true }],
  },
});

const node = (name: string, labels: Record<string, string>) => ({ metadata: { name, labels } });

describe('listServiceAccounts', () => {
  test('pages through every namespace, past the page size', async (t) => {
    const { api, kube } = await setup(t);
    const accounts = [
      serviceAccount('payments', 'reconciler', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/r' }),
      serviceAccount('payments', 'default'),
      serviceAccount('shop', 'orders'),
      serviceAccount('shop', 'default'),
      serviceAccount('web', 'frontend'),
    ];
    api.on('GET', '/api/v1/serviceaccounts', paged(accounts));

    const listed = await kube.listServiceAccounts('sandbox-a');

    assert.deepEqual(listed, [
      {
        namespace: 'payments',
        name: 'reconciler',
        annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/r' },
      },
      { namespace: 'payments', name: 'default', annotations: {} },
      { namespace: 'shop', name: 'orders', annotations: {} },
      { namespace: 'shop', name: 'default', annotations: {} },
      { namespace: 'web', name: 'frontend', annotations: {} },
    ]);
    assert.deepEqual(queries(api.requests, '/api/v1/serviceaccounts'), [
      { limit: '2' },
      { limit: '2', continue: 'at-2' },
      { limit: '2', continue: 'at-4' },
    ]);
  });

  test('lists one namespace when given', async (t) => {
    const { api, kube } = await setup(t);
    api.on('GET', '/api/v1/namespaces/shop/serviceaccounts', paged([serviceAccount('shop', 'orders')]));

    const listed = await kube.listServiceAccounts('sandbox-a', 'shop');

    assert.deepEqual(listed, [{ namespace: 'shop', name: 'orders', annotations: {} }]);
    assert.deepEqual(
      api.requests.map((r) => r.path),
      ['/api/v1/namespaces/shop/serviceaccounts'],
    );
  });

  test('a refused list is access-denied, naming the cluster and the call', async (t) => {
    const { api, kube } = await setup(t);
    api.on('GET', '/api/v1/serviceaccounts', {
      status: 403,
      body: kubeStatus(403, 'Forbidden', 'serviceaccounts is forbidden: cannot list resource at the cluster scope'),
    });

    await assert.rejects(kube.listServiceAccounts('sandbox-a'), (err) => {
      assert.ok(isPortError(err, 'access-denied'));
      assert.match(err.message, /^kubernetes sandbox-a: list serviceaccounts/);
      return true;
    });
  });
});

describe('listAllWorkloads', () => {
  test('pages through the three kinds in every namespace, keeping each service account', async (t) => {
    const { api, kube } = await setup(t);
    api.on(
      'GET',
      '/apis/apps/v1/deployments',
      paged([
        workload('payments', 'api', 'reconciler'),
        workload('shop', 'orders', 'orders'),
        workload('web', 'frontend'),
      ]),
    );
    api.on('GET', '/apis/apps/v1/statefulsets', paged([workload('payments', 'ledger', 'reconciler')]));
    api.on('GET', '/apis/apps/v1/daemonsets', paged([]));

    const listed = await kube.listAllWorkloads('sandbox-a');

    assert.deepEqual(listed, [
      { ref: { kind: 'Deployment', namespace: 'payments', name: 'api' }, serviceAccount: 'reconciler', generation: 3 },
      { ref: { kind: 'Deployment', namespace: 'shop', name: 'orders' }, serviceAccount: 'orders', generation: 3 },
      { ref: { kind: 'Deployment', namespace: 'web', name: 'frontend' }, serviceAccount: 'default', generation: 3 },
      {
        ref: { kind: 'StatefulSet', namespace: 'payments', name: 'ledger' },
        serviceAccount: 'reconciler',
        generation: 3,
      },
    ]);
    assert.deepEqual(queries(api.requests, '/apis/apps/v1/deployments'), [
      { limit: '2' },
      { limit: '2', continue: 'at-2' },
    ]);
  });

  test('lists one namespace when given', async (t) => {
    const { api, kube } = await setup(t);
    for (const resource of ['deployments', 'statefulsets', 'daemonsets']) {
      api.on('GET', `/apis/apps/v1/namespaces/shop/${resource}`, paged([workload('shop', `a-${resource}`, 'x')]));
    }

    const listed = await kube.listAllWorkloads('sandbox-a', 'shop');

    assert.deepEqual(
      listed.map((w) => `${w.ref.kind}/${w.ref.name}`),
      ['Deployment/a-deployments', 'StatefulSet/a-statefulsets', 'DaemonSet/a-daemonsets'],
    );
  });
});

describe('listAllPods', () => {
  test('pages through pods, and lists nodes and ReplicaSets once instead of reading each', async (t) => {
    const { api, kube } = await setup(t);
    api.on(
      'GET',
      '/api/v1/pods',
      paged([
        pod('payments', 'api-1', { node: 'n1', owner: { kind: 'ReplicaSet', name: 'api-abc' } }),
        pod('payments', 'api-2', { node: 'n2', owner: { kind: 'ReplicaSet', name: 'api-abc' } }),
        pod('payments', 'ledger-0', { node: 'n1', owner: { kind: 'StatefulSet', name: 'ledger' } }),
        pod('shop', 'orders-1', { node: 'n2', owner: { kind: 'ReplicaSet', name: 'orders-def' } }),
        pod('shop', 'job-1', { owner: { kind: 'Job', name: 'job' } }),
      ]),
    );
    api.on('GET', '/api/v1/nodes', paged([node('n1', { zone: 'a' }), node('n2', { zone: 'b' }), node('n3', {})]));
    api.on(
      'GET',
      '/apis/apps/v1/replicasets',
      paged([replicaSet('payments', 'api-abc', 'api'), replicaSet('shop', 'orders-def', 'orders')]),
    );

    const listed = await kube.listAllPods('sandbox-a');

    assert.deepEqual(
      listed.map((p) => [p.namespace, p.name, p.nodeLabels, p.owner]),
      [
        ['payments', 'api-1', { zone: 'a' }, { kind: 'Deployment', namespace: 'payments', name: 'api' }],
        ['payments', 'api-2', { zone: 'b' }, { kind: 'Deployment', namespace: 'payments', name: 'api' }],
        ['payments', 'ledger-0', { zone: 'a' }, { kind: 'StatefulSet', namespace: 'payments', name: 'ledger' }],
        ['shop', 'orders-1', { zone: 'b' }, { kind: 'Deployment', namespace: 'shop', name: 'orders' }],
        ['shop', 'job-1', {}, undefined],
      ],
    );
    assert.deepEqual(queries(api.requests, '/api/v1/pods'), [
      { limit: '2' },
      { limit: '2', continue: 'at-2' },
      { limit: '2', continue: 'at-4' },
    ]);
    assert.deepEqual(queries(api.requests, '/api/v1/nodes'), [{ limit: '2' }, { limit: '2', continue: 'at-2' }]);
    assert.deepEqual(queries(api.requests, '/apis/apps/v1/replicasets'), [{ limit: '2' }]);
    assert.equal(api.requests.length, 6, 'no read of a single node or ReplicaSet');
  });

  test('reads on their own a ReplicaSet created after the list, and every node when nodes may not be listed', async (t) => {
    const { api, kube } = await setup(t);
    const NS = '/api/v1/namespaces/payments';
    api.on(
      'GET',
      `${NS}/pods`,
      paged([
        pod('payments', 'api-1', { node: 'n1', owner: { kind: 'ReplicaSet', name: 'api-old' } }),
        pod('payments', 'api-2', { node: 'n1', owner: { kind: 'ReplicaSet', name: 'api-new' } }),
      ]),
    );
    api.on('GET', '/api/v1/nodes', {
      status: 403,
      body: kubeStatus(403, 'Forbidden', 'nodes is forbidden: cannot list resource "nodes"'),
    });
    api.on('GET', '/api/v1/nodes/n1', { body: node('n1', { zone: 'a' }) });
    api.on('GET', '/apis/apps/v1/namespaces/payments/replicasets', paged([replicaSet('payments', 'api-old', 'api')]));
    api.on('GET', '/apis/apps/v1/namespaces/payments/replicasets/api-new', {
      body: replicaSet('payments', 'api-new', 'api'),
    });

    const listed = await kube.listAllPods('sandbox-a', 'payments');

    assert.deepEqual(
      listed.map((p) => [p.name, p.nodeLabels, p.owner?.name]),
      [
        ['api-1', { zone: 'a' }, 'api'],
        ['api-2', { zone: 'a' }, 'api'],
      ],
    );
    assert.deepEqual(
      api.requests.map((r) => r.path).sort(),
      [
        `${NS}/pods`,
        '/api/v1/nodes',
        '/api/v1/nodes/n1',
        '/apis/apps/v1/namespaces/payments/replicasets',
        '/apis/apps/v1/namespaces/payments/replicasets/api-new',
      ].sort(),
    );
  });

  test('lists neither nodes nor ReplicaSets when no pod needs them', async (t) => {
    const { api, kube } = await setup(t);
    api.on('GET', '/api/v1/pods', paged([pod('shop', 'pending')]));

    const listed = await kube.listAllPods('sandbox-a');

    assert.deepEqual(
      listed.map((p) => [p.name, p.nodeLabels, p.owner]),
      [['pending', {}, undefined]],
    );
    assert.deepEqual(
      api.requests.map((r) => r.path),
      ['/api/v1/pods'],
    );
  });

  test('a ReplicaSet list refused fails the listing loudly, as reading one does', async (t) => {
    const { api, kube } = await setup(t);
    api.on(
      'GET',
      '/api/v1/pods',
      paged([pod('shop', 'orders-1', { owner: { kind: 'ReplicaSet', name: 'orders-1' } })]),
    );
    api.on('GET', '/apis/apps/v1/replicasets', {
      status: 403,
      body: kubeStatus(403, 'Forbidden', 'replicasets.apps is forbidden'),
    });

    await assert.rejects(kube.listAllPods('sandbox-a'), (err) => {
      assert.ok(isPortError(err, 'access-denied'));
      assert.match(err.message, /list replicasets/);
      return true;
    });
  });
});
