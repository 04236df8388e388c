// Fixtures in a real kube-apiserver (test/support/kube-cluster.ts), written with the plain
// client-node API rather than the adapter under test, so a bug in the adapter cannot hide
// itself by reading back its own mistake.
import {
  AdmissionregistrationV1Api,
  ApiextensionsV1Api,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
} from '@kubernetes/client-node';
import type {
  V1Container,
  V1PodSpec,
  V1PodTemplateSpec,
  V1StatefulSetUpdateStrategy,
  V1Taint,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { kubeConfigFromContext } from '../../src/adapters/kubernetes/kubeconfig.js';
import { createKubernetesAdapter } from '../../src/adapters/kubernetes/adapter.js';
import type { KubernetesAdapterOptions } from '../../src/adapters/kubernetes/adapter.js';
import type { WorkloadKind, WorkloadRef } from '../../src/domain/types.js';
import type { KubernetesPort } from '../../src/ports/kubernetes.js';

/** The context scripts/k8s-up.sh writes into its kubeconfig. */
export const KUBE_CONTEXT = 'local';
/** kwok never pulls it; any name does, this one reads as "does nothing". */
export const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';

export interface KubeClients {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  admission: AdmissionregistrationV1Api;
  extensions: ApiextensionsV1Api;
  custom: CustomObjectsApi;
}

export function kubeClients(kubeconfigPath: string): KubeClients {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    admission: kc.makeApiClient(AdmissionregistrationV1Api),
    extensions: kc.makeApiClient(ApiextensionsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
  };
}

/** The adapter under test, addressing each fleet cluster name through its kubeconfig. */
export function realKubernetesAdapter(
  kubeconfigs: Record<string, string>,
  options: KubernetesAdapterOptions = {},
): KubernetesPort {
  return createKubernetesAdapter(
    (cluster) => {
      const path = kubeconfigs[cluster];
      if (path === undefined) throw new Error(`no kubeconfig for cluster ${cluster}`);
      return kubeConfigFromContext(KUBE_CONTEXT, path);
    },
    { requestTimeoutMs: 10_000, execTimeoutMs: 10_000, ...options },
  );
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** Runs `create`, treating 409 AlreadyExists as done (fixtures shared by several tests). */
async function createIfMissing(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (statusOf(err) !== 409) throw err;
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export async function ensureNamespace(c: KubeClients, name: string): Promise<void> {
  await createIfMissing(() => c.core.createNamespace({ body: { metadata: { name } } }));
}

export async function createServiceAccount(
  c: KubeClients,
  namespace: string,
  name: string,
  annotations: Record<string, string> = {},
): Promise<void> {
  await ensureNamespace(c, namespace);
  await c.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name, annotations } } });
}

/** Sets (string) or removes (null) one annotation by read-modify-replace: no patch semantics involved. */
export async function setServiceAccountAnnotation(
  c: KubeClients,
  namespace: string,
  name: string,
  key: string,
  value: string | null,
): Promise<void> {
  const sa = await c.core.readNamespacedServiceAccount({ namespace, name });
  const annotations = { ...sa.metadata?.annotations };
  if (value === null) delete annotations[key];
  else annotations[key] = value;
  sa.metadata = { ...sa.metadata, annotations };
  await c.core.replaceNamespacedServiceAccount({ namespace, name, body: sa });
}

export interface WorkloadSpec {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  serviceAccount: string;
  /** Ignored for DaemonSets. Default 1. */
  replicas?: number;
  image?: string;
  env?: V1Container['env'];
  nodeSelector?: Record<string, string>;
  tolerations?: V1PodSpec['tolerations'];
  /** Deployments only. */
  progressDeadlineSeconds?: number;
  /** StatefulSets and DaemonSets: `RollingUpdate` (the default) or `OnDelete`. */
  updateStrategy?: 'RollingUpdate' | 'OnDelete';
  /** StatefulSets: `updateStrategy.rollingUpdate.partition`. */
  partition?: number;
}

function updateStrategyOf(spec: WorkloadSpec): { updateStrategy?: V1StatefulSetUpdateStrategy } {
  if (spec.updateStrategy === 'OnDelete') return { updateStrategy: { type: 'OnDelete' } };
  if (spec.partition !== undefined) {
    return { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: spec.partition } } };
  }
  return {};
}

function podTemplate(spec: WorkloadSpec): V1PodTemplateSpec {
  return {
    metadata: { labels: { app: spec.name } },
    spec: {
      serviceAccountName: spec.serviceAccount,
      // kwok deletes pods at once anyway; zero keeps a real kubelet from slowing rollouts too.
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'app', image: spec.image ?? PAUSE_IMAGE, ...(spec.env ? { env: spec.env } : {}) }],
      ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
      ...(spec.tolerations ? { tolerations: spec.tolerations } : {}),
    },
  };
}

export async function createWorkload(c: KubeClients, spec: WorkloadSpec): Promise<WorkloadRef> {
  const { kind, namespace, name } = spec;
  const metadata = { name, labels: { app: name } };
  const selector = { matchLabels: { app: name } };
  const template = podTemplate(spec);
  const replicas = spec.replicas ?? 1;
  switch (kind) {
    case 'Deployment':
      await c.apps.createNamespacedDeployment({
        namespace,
        body: {
          metadata,
          spec: {
            replicas,
            selector,
            template,
            ...(spec.progressDeadlineSeconds === undefined
              ? {}
              : { progressDeadlineSeconds: spec.progressDeadlineSeconds }),
          },
        },
      });
      break;
    case 'StatefulSet':
      await c.apps.createNamespacedStatefulSet({
        namespace,
        body: { metadata, spec: { replicas, selector, template, serviceName: name, ...updateStrategyOf(spec) } },
      });
      break;
    case 'DaemonSet':
      await c.apps.createNamespacedDaemonSet({
        namespace,
        body: {
          metadata,
          spec: {
            selector,
            template,
            ...(spec.updateStrategy ? { updateStrategy: { type: spec.updateStrategy } } : {}),
          },
        },
      });
      break;
  }
  return { kind, namespace, name };
}

/** A pod no controller owns, as `kubectl run --restart=Never` makes it. */
export async function createBarePod(
  c: KubeClients,
  pod: { namespace: string; name: string; serviceAccount: string; image?: string },
): Promise<void> {
  await c.core.createNamespacedPod({
    namespace: pod.namespace,
    body: {
      metadata: { name: pod.name, labels: { app: pod.name } },
      spec: {
        serviceAccountName: pod.serviceAccount,
        terminationGracePeriodSeconds: 0,
        restartPolicy: 'Never',
        containers: [{ name: 'app', image: pod.image ?? PAUSE_IMAGE }],
      },
    },
  });
}

/** A Job; the job controller creates its pod (and kwok soon marks it Succeeded). */
export async function createJob(
  c: KubeClients,
  job: { namespace: string; name: string; serviceAccount: string; image?: string },
): Promise<void> {
  await c.batch.createNamespacedJob({
    namespace: job.namespace,
    body: {
      metadata: { name: job.name },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels: { app: job.name } },
          spec: {
            serviceAccountName: job.serviceAccount,
            terminationGracePeriodSeconds: 0,
            restartPolicy: 'Never',
            containers: [{ name: 'app', image: job.image ?? PAUSE_IMAGE }],
          },
        },
      },
    },
  });
}

export interface FakeNodeSpec {
  name: string;
  labels?: Record<string, string>;
  taints?: V1Taint[];
}

/** A node kwok manages (it makes it Ready, runs its pods, and serves exec for them). */
export async function createFakeNode(c: KubeClients, spec: FakeNodeSpec): Promise<void> {
  await c.core.createNode({
    body: {
      metadata: {
        name: spec.name,
        // k8s-up.sh starts kwok with --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/os': 'linux',
          'kubernetes.io/hostname': spec.name,
          type: 'kwok',
          ...spec.labels,
        },
      },
      spec: spec.taints ? { taints: spec.taints } : {},
      status: {
        allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
        capacity: { cpu: '32', memory: '256Gi', pods: '110' },
      },
    },
  });
  await waitFor(`node ${spec.name} Ready`, async () => {
    const node = await c.core.readNode({ name: spec.name });
    return node.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ? true : undefined;
  });
}

export async function nodeLabels(c: KubeClients, name: string): Promise<Record<string, string>> {
  const node = await c.core.readNode({ name });
  return { ...node.metadata?.labels };
}

/** The Pod Identity Agent as EKS installs it: DaemonSet `kube-system/eks-pod-identity-agent`, ready on every node. */
export async function installPodIdentityAgent(c: KubeClients): Promise<void> {
  const ref = await createWorkload(c, {
    kind: 'DaemonSet',
    namespace: 'kube-system',
    name: 'eks-pod-identity-agent',
    serviceAccount: 'default',
    // The real agent tolerates every taint, so it also lands on tainted node pools.
    tolerations: [{ operator: 'Exists' }],
  });
  await waitFor('the Pod Identity Agent DaemonSet to be ready', async () => {
    const ds = await c.apps.readNamespacedDaemonSet({ namespace: ref.namespace, name: ref.name });
    const desired = ds.status?.desiredNumberScheduled ?? 0;
    return desired > 0 && ds.status?.numberReady === desired ? true : undefined;
  });
}

/** Live (not terminating) pods that run as `serviceAccount`, as the API stores them. */
export async function livePods(c: KubeClients, namespace: string, serviceAccount: string) {
  const list = await c.core.listNamespacedPod({ namespace });
  return list.items.filter(
    (p) => p.spec?.serviceAccountName === serviceAccount && p.metadata?.deletionTimestamp === undefined,
  );
}

/** Every container's literal env of a pod, name → value. */
export function containerEnvs(pod: { spec?: V1PodSpec }): Record<string, string>[] {
  return (pod.spec?.containers ?? []).map((c) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? ''])));
}

/**
 * A ValidatingAdmissionPolicy that refuses, in one namespace, any pod a container of which
 * carries `variable`: what a policy engine (Gatekeeper, Kyverno) banning a credential path
 * does. Admission policies run after mutating webhooks, so they see injected variables.
 * Returns once the API server enforces it; the returned function removes it.
 */
export async function refusePodsWithVariable(
  c: KubeClients,
  namespace: string,
  variable: string,
): Promise<() => Promise<void>> {
  const name = `refuse-${variable.toLowerCase().replaceAll('_', '-')}`;
  await c.admission.createValidatingAdmissionPolicy({
    body: {
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
        },
        validations: [
          {
            expression: `object.spec.containers.all(c, !has(c.env) || c.env.all(e, e.name != '${variable}'))`,
            message: `pods in ${namespace} may not set ${variable}`,
          },
        ],
      },
    },
  });
  await c.admission.createValidatingAdmissionPolicyBinding({
    body: {
      metadata: { name },
      spec: {
        policyName: name,
        validationActions: ['Deny'],
        matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } },
      },
    },
  });
  const remove = async () => {
    for (const del of [
      () => c.admission.deleteValidatingAdmissionPolicyBinding({ name }),
      () => c.admission.deleteValidatingAdmissionPolicy({ name }),
    ]) {
      try {
        await del();
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
      }
    }
  };
  // Policies are compiled and picked up asynchronously: dry-run a pod until one is refused.
  await waitFor(`policy ${name} to be enforced`, async () => {
    try {
      await c.core.createNamespacedPod({
        namespace,
        dryRun: 'All',
        body: {
          metadata: { name: `${name}-probe` },
          spec: { containers: [{ name: 'probe', image: PAUSE_IMAGE, env: [{ name: variable, value: 'x' }] }] },
        },
      });
      return undefined;
    } catch (err) {
      if (!String((err as { body?: unknown }).body).includes(name)) throw err;
      return true;
    }
  });
  return remove;
}

const ROLLOUT_CRD = 'rollouts.argoproj.io';

/**
 * An Argo Rollout as its controller leaves it: the `Rollout` object (its CRD installed here
 * with no schema to speak of) owning a ReplicaSet whose pods run as `serviceAccount`. The
 * ReplicaSet controller runs the pods; nothing plays Argo's part.
 */
export async function createArgoRollout(
  c: KubeClients,
  rollout: { namespace: string; name: string; serviceAccount: string; replicas?: number },
): Promise<void> {
  await createIfMissing(() =>
    c.extensions.createCustomResourceDefinition({
      body: {
        metadata: { name: ROLLOUT_CRD },
        spec: {
          group: 'argoproj.io',
          scope: 'Namespaced',
          names: { plural: 'rollouts', singular: 'rollout', kind: 'Rollout', listKind: 'RolloutList' },
          versions: [
            {
              name: 'v1alpha1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
            },
          ],
        },
      },
    }),
  );
  await waitFor('the Rollout CRD to be established', async () => {
    const crd = await c.extensions.readCustomResourceDefinition({ name: ROLLOUT_CRD });
    return crd.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True') ? true : undefined;
  });
  const labels = { app: rollout.name };
  const created = (await c.custom.createNamespacedCustomObject({
    group: 'argoproj.io',
    version: 'v1alpha1',
    namespace: rollout.namespace,
    plural: 'rollouts',
    body: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: rollout.name },
      spec: { replicas: rollout.replicas ?? 1, selector: { matchLabels: labels } },
    },
  })) as { metadata?: { uid?: string } };
  await c.apps.createNamespacedReplicaSet({
    namespace: rollout.namespace,
    body: {
      metadata: {
        name: `${rollout.name}-7f9c5d`,
        labels,
        ownerReferences: [
          {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'Rollout',
            name: rollout.name,
            uid: created.metadata?.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        replicas: rollout.replicas ?? 1,
        selector: { matchLabels: labels },
        template: podTemplate({
          kind: 'Deployment',
          namespace: rollout.namespace,
          name: rollout.name,
          serviceAccount: rollout.serviceAccount,
        }),
      },
    },
  });
}

/** A CronJob that never fires on its own, and one Job made from it as `kubectl create job --from=cronjob/…` does. */
export async function createCronJobWithRun(
  c: KubeClients,
  cronJob: { namespace: string; name: string; serviceAccount: string },
): Promise<string> {
  const template = {
    metadata: { labels: { app: cronJob.name } },
    spec: {
      serviceAccountName: cronJob.serviceAccount,
      terminationGracePeriodSeconds: 0,
      restartPolicy: 'Never',
      containers: [{ name: 'app', image: PAUSE_IMAGE }],
    },
  };
  const created = await c.batch.createNamespacedCronJob({
    namespace: cronJob.namespace,
    body: {
      metadata: { name: cronJob.name },
      spec: { schedule: '0 0 31 2 *', jobTemplate: { spec: { backoffLimit: 0, template } } },
    },
  });
  const job = `${cronJob.name}-manual`;
  await c.batch.createNamespacedJob({
    namespace: cronJob.namespace,
    body: {
      metadata: {
        name: job,
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            name: cronJob.name,
            uid: created.metadata?.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { backoffLimit: 0, template },
    },
  });
  return job;
}
