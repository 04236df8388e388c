import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKubernetesAdapter } from '../../../src/adapters/kubernetes/adapter.js';
import { KubeConfig } from '@kubernetes/client-node';
import {
  eksClusterOfContext,
  kubeConfigFromContext,
  kubeConfigFromEndpoint,
} from '../../../src/adapters/kubernetes/kubeconfig.js';
import { isExecNotStarted } from '../../../src/domain/kubernetes.js';
import { PortError, isPortError } from '../../../src/ports/errors.js';
import { kubeStatus, startFakeKubeApi } from '../../support/fake-kube-api.js';
import type { FakeKubeApi, RecordedRequest } from '../../support/fake-kube-api.js';

const SA_PATH = '/api/v1/namespaces/payments/serviceaccounts/reconciler';
const SA = { metadata: { name: 'reconciler', namespace: 'payments' } };

async function tlsApi(t: TestContext) {
  const api = await startFakeKubeApi({ tls: true });
  t.after(() => api.close());
  api.on('GET', SA_PATH, { body: SA });
  return api;
}

/** A token source that counts its calls and hands out token-1, token-2, … */
function tokenSource() {
  const source = { calls: 0, token: () => Promise.resolve(`k8s-aws-v1.token-${++source.calls}`) };
  return source;
}

describe('kubeConfigFromEndpoint', () => {
  test('trusts the given CA and sends the bearer token from the token function', async (t) => {
    const api = await tlsApi(t);
    const tokens = tokenSource();
    const kc = kubeConfigFromEndpoint({
      clusterName: 'sandbox-a',
      endpoint: api.url,
      certificateAuthorityBase64: api.caBase64,
      token: tokens.token,
    });
    const kube = createKubernetesAdapter(() => kc);

    await kube.getServiceAccount('sandbox-a', 'payments', 'reconciler');
    await kube.getServiceAccount('sandbox-a', 'payments', 'reconciler');

    assert.deepEqual(
      api.requests.map((r) => r.authorization),
      ['Bearer k8s-aws-v1.token-1', 'Bearer k8s-aws-v1.token-1'],
    );
    assert.equal(tokens.calls, 1);
  });

  test('refreshes the token once the cached one is due, for API calls and exec alike', async (t) => {
    const api = await tlsApi(t);
    api.onExec({ status: { metadata: {}, status: 'Success' } });
    const tokens = tokenSource();
    let now = 1_000_000;
    const kube = createKubernetesAdapter(() =>
      kubeConfigFromEndpoint({
        clusterName: 'sandbox-a',
        endpoint: api.url,
        certificateAuthorityBase64: api.caBase64,
        token: tokens.token,
        refreshAfterMs: 10 * 60_000,
        now: () => now,
      }),
    );

    await kube.getServiceAccount('sandbox-a', 'payments', 'reconciler');
    now += 9 * 60_000;
    await kube.exec('sandbox-a', 'payments', 'api-1', 'main', ['true']);
    now += 2 * 60_000;
    await kube.getServiceAccount('sandbox-a', 'payments', 'reconciler');
    await kube.exec('sandbox-a', 'payments', 'api-1', 'main', ['true']);

    assert.deepEqual(
      api.requests.map((r) => [r.path.endsWith('/exec') ? 'exec' : 'get', r.authorization]),
      [
        ['get', 'Bearer k8s-aws-v1.token-1'],
        ['exec', 'Bearer k8s-aws-v1.token-1'],
        ['get', 'Bearer k8s-aws-v1.token-2'],
        ['exec', 'Bearer k8s-aws-v1.token-2'],
      ],
    );
  });

  test('concurrent requests share one token fetch', async (t) => {
    const api = await tlsApi(t);
    const tokens = tokenSource();
    const kube = createKubernetesAdapter(() =>
      kubeConfigFromEndpoint({
        clusterName: 'sandbox-a',
        endpoint: api.url,
        certificateAuthorityBase64: api.caBase64,
        token: tokens.token,
      }),
    );

    await Promise.all([1, 2, 3].map(() => kube.getServiceAccount('sandbox-a', 'payments', 'reconciler')));

    assert.equal(tokens.calls, 1);
  });

  test('does not trust the server without its CA', async (t) => {
    const api = await tlsApi(t);
    const kube = createKubernetesAdapter(() =>
      kubeConfigFromEndpoint({
        clusterName: 'sandbox-a',
        endpoint: api.url,
        certificateAuthorityBase64: '',
        token: () => Promise.resolve('k8s-aws-v1.token'),
      }),
    );

    await assert.rejects(kube.getServiceAccount('sandbox-a', 'payments', 'reconciler'), PortError);
    assert.equal(api.requests.length, 0);
  });
});

/** The API server refuses `refused` tokens with 401, as it does an expired EKS token. */
function refuse(api: FakeKubeApi, refused: (authorization: string | undefined) => boolean) {
  const unauthorized = { status: 401, body: kubeStatus(401, 'Unauthorized', 'Unauthorized') };
  api.on('GET', SA_PATH, (req: RecordedRequest) => (refused(req.authorization) ? unauthorized : { body: SA }));
  api.onExec((req) => (refused(req.authorization) ? { refuse: 401 } : { status: { metadata: {}, status: 'Success' } }));
}

describe('kubeConfigFromEndpoint: a 401 renews the token and retries once', () => {
  function adapterFor(api: FakeKubeApi, tokens: ReturnType<typeof tokenSource>) {
    return createKubernetesAdapter(() =>
      kubeConfigFromEndpoint({
        clusterName: 'sandbox-a',
        endpoint: api.url,
        certificateAuthorityBase64: api.caBase64,
        token: tokens.token,
      }),
    );
  }

  test('an API call refused with 401 gets a new token and succeeds', async (t) => {
    const api = await tlsApi(t);
    refuse(api, (authorization) => authorization === 'Bearer k8s-aws-v1.token-1');
    const tokens = tokenSource();
    const kube = adapterFor(api, tokens);

    const sa = await kube.getServiceAccount('sandbox-a', 'payments', 'reconciler');

    assert.equal(sa?.name, 'reconciler');
    assert.deepEqual(
      api.requests.map((r) => r.authorization),
      ['Bearer k8s-aws-v1.token-1', 'Bearer k8s-aws-v1.token-2'],
    );
    // The renewed token is the one later calls use.
    await kube.getServiceAccount('sandbox-a', 'payments', 'reconciler');
    assert.equal(api.requests.at(-1)?.authorization, 'Bearer k8s-aws-v1.token-2');
    assert.equal(tokens.calls, 2);
  });

  test('an exec refused with 401 gets a new token and runs', async (t) => {
    const api = await tlsApi(t);
    refuse(api, (authorization) => authorization === 'Bearer k8s-aws-v1.token-1');
    const tokens = tokenSource();
    const kube = adapterFor(api, tokens);

    const result = await kube.exec('sandbox-a', 'payments', 'api-1', 'main', ['true']);

    assert.ok(!isExecNotStarted(result));
    assert.equal(result.exitCode, 0);
    assert.deepEqual(
      api.requests.map((r) => r.authorization),
      ['Bearer k8s-aws-v1.token-1', 'Bearer k8s-aws-v1.token-2'],
    );
  });

  test('a freshly made token refused again is access-denied, after exactly one retry', async (t) => {
    const api = await tlsApi(t);
    refuse(api, () => true);
    const tokens = tokenSource();
    const kube = adapterFor(api, tokens);

    await assert.rejects(kube.getServiceAccount('sandbox-a', 'payments', 'reconciler'), (err: unknown) => {
      assert.ok(isPortError(err, 'access-denied'), String(err));
      assert.equal(err.details.httpStatus, 401);
      return true;
    });
    assert.equal(api.requests.length, 2);
    assert.equal(tokens.calls, 2);
  });

  test('concurrent requests refused with one token renew it once', async (t) => {
    const api = await tlsApi(t);
    refuse(api, (authorization) => authorization === 'Bearer k8s-aws-v1.token-1');
    const tokens = tokenSource();
    const kube = adapterFor(api, tokens);
    await kube.getServiceAccount('sandbox-a', 'payments', 'reconciler');

    await Promise.all([1, 2, 3].map(() => kube.getServiceAccount('sandbox-a', 'payments', 'reconciler')));

    assert.equal(tokens.calls, 2);
  });
});

describe('kubeConfigFromEndpoint: token lifetime', () => {
  test('a token is refreshed a minute before the credentials that signed it expire', async (t) => {
    const api = await tlsApi(t);
    let now = 1_000_000;
    let calls = 0;
    const kube = createKubernetesAdapter(() =>
      kubeConfigFromEndpoint({
        clusterName: 'sandbox-a',
        endpoint: api.url,
        certificateAuthorityBase64: api.caBase64,
        // Signed with credentials that have five minutes left.
        token: () => Promise.resolve({ token: `token-${++calls}`, expiresAt: new Date(now + 5 * 60_000) }),
        now: () => now,
      }),
    );

    await kube.getServiceAccount('sandbox-a', 'payments', 'reconciler');
    now += 3 * 60_000 + 59_000;
    await kube.getServiceAccount('sandbox-a', 'payments', 'reconciler');
    now += 1_000;
    await kube.getServiceAccount('sandbox-a', 'payments', 'reconciler');

    assert.deepEqual(
      api.requests.map((r) => r.authorization),
      ['Bearer token-1', 'Bearer token-1', 'Bearer token-2'],
    );
  });

  test('credentials that outlive ten minutes do not stretch the cache past ten minutes', async (t) => {
    const api = await tlsApi(t);
    let now = 1_000_000;
    let calls = 0;
    const kube = createKubernetesAdapter(() =>
      kubeConfigFromEndpoint({
        clusterName: 'sandbox-a',
        endpoint: api.url,
        certificateAuthorityBase64: api.caBase64,
        token: () => Promise.resolve({ token: `token-${++calls}`, expiresAt: new Date(now + 14 * 60_000) }),
        now: () => now,
      }),
    );

    await kube.getServiceAccount('sandbox-a', 'payments', 'reconciler');
    now += 10 * 60_000;
    await kube.getServiceAccount('sandbox-a', 'payments', 'reconciler');

    assert.deepEqual(
      api.requests.map((r) => r.authorization),
      ['Bearer token-1', 'Bearer token-2'],
    );
  });
});

describe('kubeConfigFromContext', () => {
  async function kubeconfigFile(t: TestContext, server: string, caBase64: string) {
    const dir = await mkdtemp(join(tmpdir(), 'kubeconfig-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'config');
    const cluster = (name: string) => ({ name, cluster: { server, 'certificate-authority-data': caBase64 } });
    await writeFile(
      path,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [cluster('a'), cluster('b')],
        users: [
          { name: 'user-a', user: { token: 'token-a' } },
          { name: 'user-b', user: { token: 'token-b' } },
        ],
        contexts: [
          { name: 'sandbox-a', context: { cluster: 'a', user: 'user-a' } },
          { name: 'sandbox-b', context: { cluster: 'b', user: 'user-b' } },
        ],
        'current-context': 'sandbox-a',
      }),
    );
    return path;
  }

  test('uses the named context, not the current one', async (t) => {
    const api = await tlsApi(t);
    const path = await kubeconfigFile(t, api.url, api.caBase64);
    const kube = createKubernetesAdapter((cluster) => kubeConfigFromContext(cluster, path));

    await kube.getServiceAccount('sandbox-b', 'payments', 'reconciler');

    assert.deepEqual(
      api.requests.map((r) => r.authorization),
      ['Bearer token-b'],
    );
  });

  test('rejects a context the file does not have', async (t) => {
    const path = await kubeconfigFile(t, 'https://127.0.0.1:1', '');

    assert.throws(() => kubeConfigFromContext('sandbox-z', path), {
      name: 'PortError',
      kind: 'validation',
      message: `kubernetes: context "sandbox-z" not found in ${path}`,
    });
  });

  test('a 401 runs the exec plugin again, though its cached token has not expired', async (t) => {
    const api = await tlsApi(t);
    refuse(api, (authorization) => authorization === 'Bearer exec-token-1');
    const dir = await mkdtemp(join(tmpdir(), 'kubeconfig-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    // An exec credential plugin, as `aws eks get-token` is one: a new token per run, valid for an hour.
    const plugin = join(dir, 'plugin.mjs');
    await writeFile(
      plugin,
      `import { readFileSync, writeFileSync } from 'node:fs';
const counter = ${JSON.stringify(join(dir, 'runs'))};
let runs = 0;
try { runs = Number(readFileSync(counter, 'utf8')); } catch {}
writeFileSync(counter, String(++runs));
const expirationTimestamp = new Date(Date.now() + 3600_000).toISOString();
process.stdout.write(JSON.stringify({
  apiVersion: 'client.authentication.k8s.io/v1beta1',
  kind: 'ExecCredential',
  status: { token: 'exec-token-' + runs, expirationTimestamp },
}));
`,
    );
    const path = join(dir, 'config');
    await writeFile(
      path,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'a', cluster: { server: api.url, 'certificate-authority-data': api.caBase64 } }],
        users: [
          {
            name: 'eks',
            user: {
              exec: {
                apiVersion: 'client.authentication.k8s.io/v1beta1',
                command: process.execPath,
                args: [plugin],
              },
            },
          },
        ],
        contexts: [{ name: 'sandbox-a', context: { cluster: 'a', user: 'eks' } }],
      }),
    );
    const kube = createKubernetesAdapter((cluster) => kubeConfigFromContext(cluster, path));

    await kube.getServiceAccount('sandbox-a', 'payments', 'reconciler');

    assert.deepEqual(
      api.requests.map((r) => r.authorization),
      ['Bearer exec-token-1', 'Bearer exec-token-2'],
    );
  });
});

describe('eksClusterOfContext', () => {
  function kc(context: string, cluster: string, user: object): KubeConfig {
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: cluster, server: 'https://example.invalid' }],
      users: [{ name: 'u', ...user }],
      contexts: [{ name: context, cluster, user: 'u' }],
      currentContext: context,
    });
    return config;
  }
  const exec = (command: string, args: string[]) => ({
    exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command, args },
  });

  test('aws eks get-token names the cluster and region it signs for', () => {
    const found = eksClusterOfContext(
      kc(
        'staging-admin',
        'staging',
        exec('aws', ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'stg']),
      ),
    );
    assert.deepEqual(found, { name: 'stg', region: 'eu-west-1', source: "the exec plugin's arguments" });
  });

  test('--cluster-name=value and aws-iam-authenticator -i are read too', () => {
    assert.equal(
      eksClusterOfContext(kc('c', 'c', exec('aws', ['eks', 'get-token', '--cluster-name=stg'])))?.name,
      'stg',
    );
    assert.equal(eksClusterOfContext(kc('c', 'c', exec('aws-iam-authenticator', ['token', '-i', 'stg'])))?.name, 'stg');
  });

  test('an update-kubeconfig ARN names the cluster when the plugin does not', () => {
    const arn = 'arn:aws-cn:eks:cn-north-1:123456789012:cluster/prod-cn';
    assert.deepEqual(eksClusterOfContext(kc('prod', arn, { token: 't' })), {
      name: 'prod-cn',
      region: 'cn-north-1',
      source: `its name ${arn}`,
    });
  });

  test('a context that does not say is not guessed at', () => {
    assert.equal(eksClusterOfContext(kc('teleport-prod', 'teleport', { token: 't' })), undefined);
  });
});
