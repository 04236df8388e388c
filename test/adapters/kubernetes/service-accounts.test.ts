import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createKubernetesAdapter } from '../../../src/adapters/kubernetes/adapter.js';
import { PortError } from '../../../src/ports/errors.js';
import { kubeConfigFor, kubeStatus, startFakeKubeApi } from '../../support/fake-kube-api.js';

const SA_PATH = '/api/v1/namespaces/payments/serviceaccounts/reconciler';
const ROLE_ARN_KEY = 'eks.amazonaws.com/role-arn';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/reconciler';

async function setup(t: TestContext, annotations?: Record<string, string>) {
  const api = await startFakeKubeApi();
  t.after(() => api.close());
  if (annotations) {
    api.on('GET', SA_PATH, { body: { metadata: { name: 'reconciler', namespace: 'payments', annotations } } });
  }
  api.on('PATCH', SA_PATH, { body: { metadata: { name: 'reconciler', namespace: 'payments' } } });
  return { api, kube: createKubernetesAdapter(() => kubeConfigFor(api)) };
}

describe('getServiceAccount', () => {
  test('reads the service account and returns its annotations', async (t) => {
    const { api, kube } = await setup(t, { [ROLE_ARN_KEY]: ROLE_ARN });

    const sa = await kube.getServiceAccount('sandbox-a', 'payments', 'reconciler');

    assert.deepEqual(sa, { namespace: 'payments', name: 'reconciler', annotations: { [ROLE_ARN_KEY]: ROLE_ARN } });
    assert.deepEqual(api.requests, [{ method: 'GET', path: SA_PATH, query: {}, authorization: 'Bearer test-token' }]);
  });

  test('returns an empty annotation map when the service account has none', async (t) => {
    const { api, kube } = await setup(t);
    api.on('GET', SA_PATH, { body: { metadata: { name: 'reconciler', namespace: 'payments' } } });

    const sa = await kube.getServiceAccount('sandbox-a', 'payments', 'reconciler');

    assert.deepEqual(sa?.annotations, {});
  });

  test('returns undefined for a 404', async (t) => {
    const { kube } = await setup(t);

    assert.equal(await kube.getServiceAccount('sandbox-a', 'payments', 'reconciler'), undefined);
  });
});

describe('setServiceAccountAnnotation', () => {
  test('reads, then sends a strategic-merge patch that sets the annotation', async (t) => {
    const { api, kube } = await setup(t, {});

    await kube.setServiceAccountAnnotation('sandbox-a', 'payments', 'reconciler', ROLE_ARN_KEY, ROLE_ARN);

    assert.equal(api.requests.length, 2);
    assert.equal(api.requests[0]?.method, 'GET');
    assert.deepEqual(api.requests[1], {
      method: 'PATCH',
      path: SA_PATH,
      query: {},
      contentType: 'application/strategic-merge-patch+json',
      authorization: 'Bearer test-token',
      body: { metadata: { annotations: { [ROLE_ARN_KEY]: ROLE_ARN } } },
    });
  });

  test('removes the annotation with a null value in the patch', async (t) => {
    const { api, kube } = await setup(t, { [ROLE_ARN_KEY]: ROLE_ARN, team: 'payments' });

    await kube.setServiceAccountAnnotation('sandbox-a', 'payments', 'reconciler', ROLE_ARN_KEY, null);

    assert.equal(api.requests[1]?.contentType, 'application/strategic-merge-patch+json');
    assert.deepEqual(api.requests[1]?.body, { metadata: { annotations: { [ROLE_ARN_KEY]: null } } });
  });

  test('changes an annotation that holds another value', async (t) => {
    const { api, kube } = await setup(t, { [ROLE_ARN_KEY]: 'arn:aws:iam::111122223333:role/old' });

    await kube.setServiceAccountAnnotation('sandbox-a', 'payments', 'reconciler', ROLE_ARN_KEY, ROLE_ARN);

    assert.deepEqual(api.requests[1]?.body, { metadata: { annotations: { [ROLE_ARN_KEY]: ROLE_ARN } } });
  });

  test('sends no patch when the annotation already has the value', async (t) => {
    const { api, kube } = await setup(t, { [ROLE_ARN_KEY]: ROLE_ARN });

    await kube.setServiceAccountAnnotation('sandbox-a', 'payments', 'reconciler', ROLE_ARN_KEY, ROLE_ARN);

    assert.deepEqual(
      api.requests.map((r) => r.method),
      ['GET'],
    );
  });

  test('sends no patch when removing an annotation that is not there', async (t) => {
    const { api, kube } = await setup(t, { team: 'payments' });

    await kube.setServiceAccountAnnotation('sandbox-a', 'payments', 'reconciler', ROLE_ARN_KEY, null);

    assert.deepEqual(
      api.requests.map((r) => r.method),
      ['GET'],
    );
  });

  test('fails with not-found, naming the cluster and object, when the service account is missing', async (t) => {
    const { kube } = await setup(t);

    await assert.rejects(
      kube.setServiceAccountAnnotation('sandbox-a', 'payments', 'reconciler', ROLE_ARN_KEY, ROLE_ARN),
      (err: unknown) =>
        err instanceof PortError &&
        err.kind === 'not-found' &&
        err.message.startsWith('kubernetes sandbox-a: read serviceaccount payments/reconciler: '),
    );
  });

  test('maps a failed patch, naming the patch in the message', async (t) => {
    const { api, kube } = await setup(t, {});
    api.on('PATCH', SA_PATH, {
      status: 403,
      body: kubeStatus(403, 'Forbidden', 'serviceaccounts "reconciler" is forbidden: User "migrator" cannot patch'),
    });

    await assert.rejects(
      kube.setServiceAccountAnnotation('sandbox-a', 'payments', 'reconciler', ROLE_ARN_KEY, ROLE_ARN),
      {
        name: 'PortError',
        kind: 'access-denied',
        message:
          'kubernetes sandbox-a: patch serviceaccount payments/reconciler: serviceaccounts "reconciler" is forbidden: User "migrator" cannot patch',
      },
    );
  });
});
