// The EKS Pod Identity admission webhook, for a real kube-apiserver in tests. At pod
// creation it injects one set of credential variables (the EKS Pod Identity reference facts):
// the Pod Identity set when an association for (namespace, service account) is visible in
// the given EksPort, else the IRSA set when the service account carries
// `eks.amazonaws.com/role-arn`. Variables a container already sets are left alone.
// Served over HTTPS on 127.0.0.1 with a throw-away CA made by openssl.
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import {
  IRSA_ANNOTATION,
  IRSA_TOKEN_FILE,
  POD_IDENTITY_TOKEN_FILE,
  POD_IDENTITY_URI,
} from '../../src/domain/constants.js';

export { IRSA_TOKEN_FILE };
import type { EksPort } from '../../src/ports/eks.js';
import type { KubeClients } from './kube-fixtures.js';
import { PAUSE_IMAGE, waitFor } from './kube-fixtures.js';

export const POD_IDENTITY_ENV: Readonly<Record<string, string>> = {
  AWS_CONTAINER_CREDENTIALS_FULL_URI: POD_IDENTITY_URI,
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: POD_IDENTITY_TOKEN_FILE,
};
const CONFIGURATION_NAME = 'pod-identity-webhook';

const execFileAsync = promisify(execFile);

export type InjectedSet = 'pod-identity' | 'irsa' | 'none';

export interface PodIdentityWebhookOptions {
  clients: KubeClients;
  /** The fleet cluster name the EksPort knows this API server by. */
  cluster: string;
  eks: EksPort;
  /** When set, IRSA pods also get AWS_REGION, AWS_DEFAULT_REGION and regional STS, as on EKS. */
  region?: string;
}

export interface PodIdentityWebhook {
  url: string;
  /** Every pod admitted so far (dry runs included): `namespace/name`, or the generateName prefix. */
  readonly admitted: { pod: string; injected: InjectedSet }[];
  /** Unregisters the webhook, then closes the server. Safe to call more than once. */
  stop(): Promise<void>;
}

interface AdmissionRequest {
  uid: string;
  namespace?: string;
  name?: string;
  object?: V1Pod;
}

interface JsonPatchOp {
  op: 'add';
  path: string;
  value: unknown;
}

/** A CA, and a serving certificate for 127.0.0.1 that it signed. */
async function makeCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  // No argument has a space in it, so each command reads as one line.
  const openssl = (args: string) => execFileAsync('openssl', args.split(' '), { cwd: dir });
  await writeFile(join(dir, 'tls.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await openssl('ecparam -name prime256v1 -genkey -noout -out ca.key');
  await openssl('req -x509 -new -key ca.key -sha256 -days 2 -subj /CN=webhook-ca -out ca.crt');
  await openssl('ecparam -name prime256v1 -genkey -noout -out tls.key');
  await openssl('req -new -key tls.key -subj /CN=127.0.0.1 -out tls.csr');
  await openssl(
    'x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -sha256 -extfile tls.ext -out tls.crt',
  );
  const [ca, cert, key] = await Promise.all(
    ['ca.crt', 'tls.crt', 'tls.key'].map((f) => readFile(join(dir, f), 'utf8')),
  );
  return { ca: ca ?? '', cert: cert ?? '', key: key ?? '' };
}

/** Adds each variable a container does not set itself; an absent env list is added whole. */
export function envPatch(pod: V1Pod, env: Readonly<Record<string, string>>): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  for (const field of ['initContainers', 'containers'] as const) {
    (pod.spec?.[field] ?? []).forEach((container: V1Container, i) => {
      const set = new Set((container.env ?? []).map((e) => e.name));
      const missing = Object.entries(env)
        .filter(([name]) => !set.has(name))
        .map(([name, value]) => ({ name, value }));
      if (missing.length === 0) return;
      const base = `/spec/${field}/${i}/env`;
      if (container.env === undefined) ops.push({ op: 'add', path: base, value: missing });
      else for (const variable of missing) ops.push({ op: 'add', path: `${base}/-`, value: variable });
    });
  }
  return ops;
}

export async function startPodIdentityWebhook(options: PodIdentityWebhookOptions): Promise<PodIdentityWebhook> {
  const { clients, cluster, eks, region } = options;
  const dir = await mkdtemp(join(tmpdir(), 'pod-identity-webhook-'));
  const admitted: { pod: string; injected: InjectedSet }[] = [];

  async function credentialsFor(namespace: string, serviceAccount: string) {
    const associations = await eks.findPodIdentityAssociations(cluster, namespace, serviceAccount);
    if (associations.length > 0) return { injected: 'pod-identity' as const, env: POD_IDENTITY_ENV };
    let roleArn: string | undefined;
    try {
      const sa = await clients.core.readNamespacedServiceAccount({ namespace, name: serviceAccount });
      roleArn = sa.metadata?.annotations?.[IRSA_ANNOTATION];
    } catch (err) {
      if ((err as { code?: unknown }).code !== 404) throw err;
    }
    if (roleArn === undefined) return { injected: 'none' as const, env: {} };
    return {
      injected: 'irsa' as const,
      env: {
        ...(region === undefined
          ? {}
          : { AWS_STS_REGIONAL_ENDPOINTS: 'regional', AWS_DEFAULT_REGION: region, AWS_REGION: region }),
        AWS_ROLE_ARN: roleArn,
        AWS_WEB_IDENTITY_TOKEN_FILE: IRSA_TOKEN_FILE,
      },
    };
  }

  async function review(request: AdmissionRequest): Promise<object> {
    const pod = request.object ?? {};
    const namespace = request.namespace ?? pod.metadata?.namespace ?? 'default';
    // The ServiceAccount admission plugin runs before webhooks and fills in `default`.
    const serviceAccount = pod.spec?.serviceAccountName || 'default';
    const { injected, env } = await credentialsFor(namespace, serviceAccount);
    admitted.push({ pod: `${namespace}/${request.name || pod.metadata?.generateName || ''}`, injected });
    const ops = envPatch(pod, env);
    return {
      uid: request.uid,
      allowed: true,
      ...(ops.length === 0
        ? {}
        : { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') }),
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let uid = '';
    let response: object;
    try {
      if (req.method !== 'POST' || !req.url?.startsWith('/mutate'))
        throw new Error(`no route ${req.method} ${req.url}`);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request?: AdmissionRequest };
      if (!body.request) throw new Error('not an AdmissionReview');
      uid = body.request.uid;
      response = await review(body.request);
    } catch (err) {
      // Fail closed, as failurePolicy Fail would for an unreachable webhook.
      response = { uid, allowed: false, status: { code: 500, message: `pod-identity-webhook: ${String(err)}` } };
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
  }

  const { ca, cert, key } = await makeCertificates(dir);
  const server = createServer({ cert, key }, (req, res) => {
    handle(req, res).catch((err: unknown) => res.destroy(err as Error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/mutate`;

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      try {
        await clients.admission.deleteMutatingWebhookConfiguration({ name: CONFIGURATION_NAME });
      } catch {
        // The cluster may already be gone; nothing is left to unregister then.
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    await clients.admission.createMutatingWebhookConfiguration({
      body: {
        metadata: { name: CONFIGURATION_NAME },
        webhooks: [
          {
            name: 'pod-identity-webhook.amazonaws.com',
            admissionReviewVersions: ['v1'],
            sideEffects: 'None',
            failurePolicy: 'Fail',
            timeoutSeconds: 10,
            clientConfig: { url, caBundle: Buffer.from(ca).toString('base64') },
            rules: [
              {
                operations: ['CREATE'],
                apiGroups: [''],
                apiVersions: ['v1'],
                resources: ['pods'],
                scope: 'Namespaced',
              },
            ],
          },
        ],
      },
    });
    await waitUntilCalled(clients, admitted);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, admitted, stop };
}

/**
 * The API server picks up a new webhook configuration asynchronously: dry-run a pod until
 * the webhook sees it, so no pod created afterwards slips through unmutated.
 */
async function waitUntilCalled(clients: KubeClients, admitted: { pod: string }[]): Promise<void> {
  const name = `webhook-probe-${randomUUID().slice(0, 8)}`;
  await waitFor(
    'the API server to call the pod identity webhook',
    async () => {
      await clients.core.createNamespacedPod({
        namespace: 'default',
        dryRun: 'All',
        body: { metadata: { name }, spec: { containers: [{ name: 'probe', image: PAUSE_IMAGE }] } },
      });
      return admitted.some((a) => a.pod === `default/${name}`) ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}
