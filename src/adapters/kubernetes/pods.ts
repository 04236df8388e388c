import type { V1ObjectMeta, V1Pod } from '@kubernetes/client-node';
import { isPortError } from '../../ports/errors.js';
import type { PodController, PodInfo } from '../../domain/kubernetes.js';
import { call, callOrUndefined, describeCall, listAllPages } from './calls.js';
import type { ClusterClients } from './calls.js';
import { controllerOf, toPodInfo } from './mappers.js';
import { callOptions, podsOfServiceAccountSelector } from './requests.js';

/**
 * Pods running as `serviceAccount`, each with its node's labels and its controller.
 * Every distinct node, ReplicaSet and Job is read once per call.
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
    pods.some((pod) => isOwnedBy(pod.metadata, 'apps', 'ReplicaSet'))
      ? lookups.prefetchReplicaSets(namespace)
      : undefined,
  ]);
  return describePods(pods, namespace ?? '', lookups);
}

function describePods(pods: V1Pod[], namespace: string, lookups: PodLookups): Promise<PodInfo[]> {
  return Promise.all(
    pods.map(async (pod) => {
      const node = pod.spec?.nodeName;
      const [labels, controller] = await Promise.all([
        node ? lookups.nodeLabels.get(node) : Promise.resolve({}),
        resolveController(pod, pod.metadata?.namespace ?? namespace, lookups),
      ]);
      return toPodInfo(pod, namespace, labels, controller);
    }),
  );
}

/** Node labels and the controllers of ReplicaSets and Jobs, each looked up once per listing. */
class PodLookups {
  readonly nodeLabels: Memo<Record<string, string>>;
  /** Keyed `namespace/name`. */
  readonly replicaSetControllers: Memo<PodController>;
  /** Keyed `namespace/name`. */
  readonly jobControllers: Memo<PodController>;

  constructor(private readonly c: ClusterClients) {
    this.nodeLabels = new Memo((node) => readNodeLabels(c, node));
    this.replicaSetControllers = new Memo((key) => {
      const [namespace = '', name = ''] = key.split('/');
      return readReplicaSetController(c, namespace, name);
    });
    this.jobControllers = new Memo((key) => {
      const [namespace = '', name = ''] = key.split('/');
      return readJobController(c, namespace, name);
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
      const name = rs.metadata?.name ?? '';
      this.replicaSetControllers.seed(`${rsNamespace}/${name}`, controllerAbove(rs.metadata, REPLICA_SET, name));
    }
  }
}

const REPLICA_SET = { apiVersion: 'apps/v1', kind: 'ReplicaSet' };
const JOB = { apiVersion: 'batch/v1', kind: 'Job' };

/** `apps/v1` → `apps`; the core group is ''. */
function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
}

function isOwnedBy(metadata: V1ObjectMeta | undefined, group: string, kind: string): boolean {
  const owner = controllerOf(metadata?.ownerReferences);
  return owner?.kind === kind && groupOf(owner.apiVersion) === group;
}

/** The controller of an object owned by `self`, or `self` when it has none. */
function controllerAbove(
  metadata: V1ObjectMeta | undefined,
  self: { apiVersion: string; kind: string },
  name: string,
): PodController {
  const owner = controllerOf(metadata?.ownerReferences);
  return owner ? { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name } : { ...self, name };
}

/**
 * The top of the pod's owner chain: ReplicaSets lead to their Deployment (or Argo
 * Rollout, or nothing), Jobs to their CronJob; any other controller is the answer itself.
 */
async function resolveController(
  pod: V1Pod,
  namespace: string,
  lookups: PodLookups,
): Promise<PodController | undefined> {
  const owner = controllerOf(pod.metadata?.ownerReferences);
  if (owner === undefined) return undefined;
  if (isOwnedBy(pod.metadata, 'apps', 'ReplicaSet')) {
    return lookups.replicaSetControllers.get(`${namespace}/${owner.name}`);
  }
  if (isOwnedBy(pod.metadata, 'batch', 'Job')) return lookups.jobControllers.get(`${namespace}/${owner.name}`);
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name };
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
 * Deployment and Argo Rollout pods are owned through their ReplicaSet. A ReplicaSet
 * already deleted (a pod of an old revision on its way out) is the pod's controller
 * itself; other failures, a missing RBAC grant included, fail the listing loudly.
 */
async function readReplicaSetController(c: ClusterClients, namespace: string, name: string): Promise<PodController> {
  const rs = await callOrUndefined(describeCall(c.cluster, 'read', 'replicaset', namespace, name), () =>
    c.apps.readNamespacedReplicaSet({ namespace, name }, callOptions(c.requestTimeoutMs)),
  );
  return controllerAbove(rs?.metadata, REPLICA_SET, name);
}

/** A CronJob's pods are owned through their Job; likewise a Job already gone is the controller. */
async function readJobController(c: ClusterClients, namespace: string, name: string): Promise<PodController> {
  const job = await callOrUndefined(describeCall(c.cluster, 'read', 'job', namespace, name), () =>
    c.batch.readNamespacedJob({ namespace, name }, callOptions(c.requestTimeoutMs)),
  );
  return controllerAbove(job?.metadata, JOB, name);
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
