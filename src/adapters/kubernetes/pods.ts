import type { V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import type { WorkloadRef } from '../../domain/types.js';
import { isPortError } from '../../ports/errors.js';
import type { PodInfo } from '../../domain/kubernetes.js';
import { call, callOrUndefined, describeCall, listAllPages } from './calls.js';
import type { ClusterClients } from './calls.js';
import { controllerOf, toPodInfo } from './mappers.js';
import { callOptions, podsOfServiceAccountSelector } from './requests.js';

/**
 * Pods running as `serviceAccount`, each with its node's labels and its owning
 * workload. Every distinct node and ReplicaSet is read once per call.
 */
export async function listPodsOfServiceAccount(
  c: ClusterClients,
  namespace: string,
  serviceAccount: string,
): Promise<PodInfo[]> {
  const options = callOptions(c.requestTimeoutMs);
  const listed = await listAllPages(
    describeCall(c.cluster, 'list', 'pods', namespace),
    (p) =>
      c.core.listNamespacedPod(
        { namespace, fieldSelector: podsOfServiceAccountSelector(serviceAccount), ...p },
        options,
      ),
    c.listPageSize,
  );
  // The selector already filters server-side; this keeps the contract if a server ignores it.
  const pods = listed.filter((pod) => (pod.spec?.serviceAccountName || 'default') === serviceAccount);
  return describePods(pods, namespace, new PodLookups(c));
}

/**
 * Every pod in `namespace` (all namespaces when undefined), described as above. Many
 * pods share few nodes and ReplicaSets, so those are listed once up front rather than
 * read one by one; one created since (a rollout under way) is still read on its own.
 */
export async function listPodsInScope(c: ClusterClients, namespace: string | undefined): Promise<PodInfo[]> {
  const options = callOptions(c.requestTimeoutMs);
  const pods = await listAllPages(
    describeCall(c.cluster, 'list', 'pods', namespace),
    (p) =>
      namespace === undefined
        ? c.core.listPodForAllNamespaces(p, options)
        : c.core.listNamespacedPod({ namespace, ...p }, options),
    c.listPageSize,
  );
  const lookups = new PodLookups(c);
  await Promise.all([
    pods.some((pod) => pod.spec?.nodeName) ? lookups.prefetchNodes() : undefined,
    pods.some((pod) => controllerOf(pod.metadata?.ownerReferences)?.kind === 'ReplicaSet')
      ? lookups.prefetchReplicaSets(namespace)
      : undefined,
  ]);
  return describePods(pods, namespace ?? '', lookups);
}

function describePods(pods: V1Pod[], namespace: string, lookups: PodLookups): Promise<PodInfo[]> {
  return Promise.all(
    pods.map(async (pod) => {
      const node = pod.spec?.nodeName;
      const [labels, owner] = await Promise.all([
        node ? lookups.nodeLabels.get(node) : Promise.resolve({}),
        ownerOf(pod, pod.metadata?.namespace ?? namespace, lookups),
      ]);
      return toPodInfo(pod, namespace, labels, owner);
    }),
  );
}

/** Node labels and ReplicaSet owners, each looked up once per listing. */
class PodLookups {
  readonly nodeLabels: Memo<Record<string, string>>;
  /** Keyed `namespace/name`. */
  readonly replicaSetOwners: Memo<WorkloadRef | undefined>;

  constructor(private readonly c: ClusterClients) {
    this.nodeLabels = new Memo((node) => readNodeLabels(c, node));
    this.replicaSetOwners = new Memo((key) => {
      const [namespace = '', name = ''] = key.split('/');
      return readReplicaSetOwner(c, namespace, name);
    });
  }

  /** Listing nodes is a separate RBAC grant: without it, nodes are read one by one as before. */
  async prefetchNodes(): Promise<void> {
    const options = callOptions(this.c.requestTimeoutMs);
    try {
      const nodes = await listAllPages(
        describeCall(this.c.cluster, 'list', 'nodes', undefined),
        (p) => this.c.core.listNode(p, options),
        this.c.listPageSize,
      );
      for (const node of nodes) {
        if (node.metadata?.name) this.nodeLabels.seed(node.metadata.name, { ...node.metadata.labels });
      }
    } catch (err) {
      if (!isPortError(err, 'access-denied')) throw err;
    }
  }

  async prefetchReplicaSets(namespace: string | undefined): Promise<void> {
    const options = callOptions(this.c.requestTimeoutMs);
    const replicaSets = await listAllPages(
      describeCall(this.c.cluster, 'list', 'replicasets', namespace),
      (p) =>
        namespace === undefined
          ? this.c.apps.listReplicaSetForAllNamespaces(p, options)
          : this.c.apps.listNamespacedReplicaSet({ namespace, ...p }, options),
      this.c.listPageSize,
    );
    for (const rs of replicaSets) {
      const rsNamespace = rs.metadata?.namespace ?? namespace ?? '';
      this.replicaSetOwners.seed(`${rsNamespace}/${rs.metadata?.name ?? ''}`, deploymentOf(rs, rsNamespace));
    }
  }
}

async function ownerOf(pod: V1Pod, namespace: string, lookups: PodLookups): Promise<WorkloadRef | undefined> {
  const owner = controllerOf(pod.metadata?.ownerReferences);
  switch (owner?.kind) {
    case 'StatefulSet':
    case 'DaemonSet':
      return { kind: owner.kind, namespace, name: owner.name };
    case 'ReplicaSet':
      return lookups.replicaSetOwners.get(`${namespace}/${owner.name}`);
    default:
      return undefined;
  }
}

/** A node we may not read (RBAC) or that is gone yields no labels rather than failing the listing. */
async function readNodeLabels(c: ClusterClients, name: string): Promise<Record<string, string>> {
  try {
    const node = await call(describeCall(c.cluster, 'read', 'node', undefined, name), () =>
      c.core.readNode({ name }, callOptions(c.requestTimeoutMs)),
    );
    return { ...node.metadata?.labels };
  } catch (err) {
    if (isPortError(err, 'access-denied') || isPortError(err, 'not-found')) return {};
    throw err;
  }
}

/**
 * Deployment pods are owned through their ReplicaSet. A ReplicaSet already deleted
 * (a pod of an old revision on its way out) leaves the pod without an owner; other
 * failures, a missing RBAC grant included, fail the listing loudly.
 */
async function readReplicaSetOwner(
  c: ClusterClients,
  namespace: string,
  name: string,
): Promise<WorkloadRef | undefined> {
  const rs = await callOrUndefined(describeCall(c.cluster, 'read', 'replicaset', namespace, name), () =>
    c.apps.readNamespacedReplicaSet({ namespace, name }, callOptions(c.requestTimeoutMs)),
  );
  return rs && deploymentOf(rs, namespace);
}

function deploymentOf(rs: V1ReplicaSet, namespace: string): WorkloadRef | undefined {
  const owner = controllerOf(rs.metadata?.ownerReferences);
  return owner?.kind === 'Deployment' ? { kind: 'Deployment', namespace, name: owner.name } : undefined;
}

/** One in-flight or settled lookup per key. */
class Memo<T> {
  private readonly results = new Map<string, Promise<T>>();
  constructor(private readonly load: (key: string) => Promise<T>) {}
  get(key: string): Promise<T> {
    let result = this.results.get(key);
    if (result === undefined) {
      result = this.load(key);
      this.results.set(key, result);
    }
    return result;
  }
  /** A value already known (from a list), so `get` does not load it. */
  seed(key: string, value: T): void {
    if (!this.results.has(key)) this.results.set(key, Promise.resolve(value));
  }
}
