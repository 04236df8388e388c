import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createKubernetesAdapter } from '../../../src/adapters/kubernetes/adapter.js';
import type { KubernetesAdapterOptions } from '../../../src/adapters/kubernetes/adapter.js';
import { mapKubernetesError } from '../../../src/adapters/kubernetes/errors.js';
import { PortError } from '../../../src/ports/errors.js';
import type { PortErrorKind } from '../../../src/ports/errors.js';
import { kubeConfigFor, kubeStatus, startFakeKubeApi } from '../../support/fake-kube-api.js';

const DEPLOYMENT = { kind: 'Deployment', namespace: 'payments', name: 'api' } as const;
const DEPLOYMENT_PATH = '/apis/apps/v1/namespaces/payments/deployments/api';

async function setup(t: TestContext, options: KubernetesAdapterOptions = {}) {
  const api = await startFakeKubeApi();
  t.after(() => api.close());
  return { api, kube: createKubernetesAdapter(() => kubeConfigFor(api), options) };
}

describe('HTTP status mapping', () => {
  const cases: [number, string, PortErrorKind][] = [
    [400, 'BadRequest', 'validation'],
    [401, 'Unauthorized', 'access-denied'],
    [403, 'Forbidden', 'access-denied'],
    [404, 'NotFound', 'not-found'],
    [409, 'Conflict', 'conflict'],
    [422, 'Invalid', 'validation'],
    [429, 'TooManyRequests', 'throttled'],
    [500, 'InternalError', 'unavailable'],
    [503, 'ServiceUnavailable', 'unavailable'],
    [504, 'Timeout', 'unavailable'],
  ];
  for (const [status, reason, kind] of cases) {
    test(`${status} ${reason} → ${kind}`, async (t) => {
      const { api, kube } = await setup(t);
      api.on('GET', DEPLOYMENT_PATH, { status, body: kubeStatus(status, reason, `scripted ${reason}`) });

      await assert.rejects(kube.getWorkloadStatus('sandbox-a', DEPLOYMENT), (err: unknown) => {
        assert.ok(err instanceof PortError);
        assert.equal(err.kind, kind);
        assert.equal(err.details.httpStatus, status);
        // client-node drops the body of a 401 before we see it.
        if (status !== 401) {
          assert.equal(err.details.code, reason);
          assert.equal(err.message, `kubernetes sandbox-a: read deployment payments/api: scripted ${reason}`);
        } else {
          assert.match(err.message, /^kubernetes sandbox-a: read deployment payments\/api: HTTP 401/);
        }
        return true;
      });
    });
  }
});

describe('transport failures', () => {
  test('a refused connection is unavailable', async () => {
    const api = await startFakeKubeApi();
    await api.close();
    const kube = createKubernetesAdapter(() => kubeConfigFor(api));

    await assert.rejects(kube.getWorkloadStatus('sandbox-a', DEPLOYMENT), (err: unknown) => {
      assert.ok(err instanceof PortError);
      assert.equal(err.kind, 'unavailable');
      assert.equal(err.details.code, 'ECONNREFUSED');
      assert.match(err.message, /^kubernetes sandbox-a: read deployment payments\/api: /);
      return true;
    });
  });

  test('a request with no answer within the deadline is a timeout', async (t) => {
    const { api, kube } = await setup(t, { requestTimeoutMs: 150 });
    api.on('GET', DEPLOYMENT_PATH, { hang: true });

    await assert.rejects(kube.getWorkloadStatus('sandbox-a', DEPLOYMENT), { name: 'PortError', kind: 'timeout' });
  });
});

describe('cluster resolution', () => {
  test('a failed resolve is mapped and retried on the next call', async (t) => {
    const api = await startFakeKubeApi();
    t.after(() => api.close());
    api.on('GET', DEPLOYMENT_PATH, { body: { metadata: { name: 'api', namespace: 'payments' } } });
    let attempts = 0;
    const kube = createKubernetesAdapter((cluster) => {
      attempts += 1;
      if (attempts === 1) throw new Error(`no credentials for ${cluster}`);
      return kubeConfigFor(api);
    });

    await assert.rejects(kube.getWorkloadStatus('sandbox-a', DEPLOYMENT), {
      name: 'PortError',
      kind: 'unknown',
      message: 'kubernetes sandbox-a: load cluster credentials: no credentials for sandbox-a',
    });
    await kube.getWorkloadStatus('sandbox-a', DEPLOYMENT);
    await kube.getWorkloadStatus('sandbox-a', DEPLOYMENT);
    assert.equal(attempts, 2);
  });

  test('a PortError from resolve passes through unchanged', async () => {
    const denied = new PortError('access-denied', 'eks sandbox-a: DescribeCluster denied');
    const kube = createKubernetesAdapter(() => Promise.reject(denied));

    await assert.rejects(kube.listPods('sandbox-a', 'payments', 'reconciler'), (err) => err === denied);
  });
});

describe('mapKubernetesError', () => {
  const context = 'kubernetes sandbox-a: read pod payments/api-1';
  const withCode = (code: string, message: string) => Object.assign(new Error(message), { code });

  test('maps Node socket codes found anywhere in the cause chain', () => {
    const cases: [unknown, PortErrorKind, string][] = [
      [withCode('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:443'), 'unavailable', 'ECONNREFUSED'],
      [
        new TypeError('fetch failed', { cause: withCode('ECONNRESET', 'read ECONNRESET') }),
        'unavailable',
        'ECONNRESET',
      ],
      [new TypeError('fetch failed', { cause: withCode('ETIMEDOUT', 'connect ETIMEDOUT') }), 'timeout', 'ETIMEDOUT'],
      [
        new TypeError('fetch failed', {
          cause: new AggregateError([withCode('ECONNREFUSED', 'connect ECONNREFUSED')]),
        }),
        'unavailable',
        'ECONNREFUSED',
      ],
      [
        { type: 'error', message: 'ws failed', error: withCode('ECONNRESET', 'socket hang up') },
        'unavailable',
        'ECONNRESET',
      ],
    ];
    for (const [err, kind, code] of cases) {
      const mapped = mapKubernetesError(err, context);
      assert.equal(mapped.kind, kind, String(err));
      assert.equal(mapped.details.code, code);
      assert.ok(mapped.message.startsWith(`${context}: `));
      assert.equal(mapped.details.cause, err);
    }
  });

  test('maps an aborted deadline to timeout', () => {
    const err = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    assert.equal(mapKubernetesError(err, context).kind, 'timeout');
  });

  test('keeps a PortError and marks anything unrecognised unknown', () => {
    const original = new PortError('conflict', 'already');
    assert.equal(mapKubernetesError(original, context), original);
    const unknown = mapKubernetesError(new Error('weird'), context);
    assert.equal(unknown.kind, 'unknown');
    assert.equal(unknown.message, `${context}: weird`);
  });
});
