import type { V1Pod } from '@kubernetes/client-node';
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
  const listed = await listAllPages(describeCall(c.cluster, 'list', 'pods', namespace), (p) =>
    c.core.listNamespacedPod({ namespace, fieldSelector: podsOfServiceAccountSelector(serviceAccount), ...p }, options),
  );
  // The selector already filters server-side; this keeps the contract if a server ignores it.
  const pods = listed.filter((pod) => (pod.spec?.serviceAccountName || 'default') === serviceAccount);

  const nodeLabels = new Memo((node: string) => readNodeLabels(c, node));
  const replicaSets = new Memo((name: string) => readReplicaSetOwner(c, namespace, name));

  return Promise.all(
    pods.map(async (pod) => {
      const node = pod.spec?.nodeName;
      const [labels, owner] = await Promise.all([
        node ? nodeLabels.get(node) : Promise.resolve({}),
        ownerOf(pod, namespace, replicaSets),
      ]);
      return toPodInfo(pod, namespace, labels, owner);
    }),
  );
}

async function ownerOf(
  pod: V1Pod,
  namespace: string,
  replicaSets: Memo<WorkloadRef | undefined>,
): Promise<WorkloadRef | undefined> {
  const owner = controllerOf(pod.metadata?.ownerReferences);
  switch (owner?.kind) {
    case 'StatefulSet':
    case 'DaemonSet':
      return { kind: owner.kind, namespace, name: owner.name };
    case 'ReplicaSet':
      return replicaSets.get(owner.name);
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
  const owner = controllerOf(rs?.metadata?.ownerReferences);
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
}
