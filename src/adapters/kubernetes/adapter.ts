import { AppsV1Api, BatchV1Api, CoreV1Api, Exec } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { KubernetesPort } from '../../ports/kubernetes.js';
import { call, callOrUndefined, describeCall, listAllPages } from './calls.js';
import type { ClusterClients } from './calls.js';
import { mapKubernetesError } from './errors.js';
import { DEFAULT_EXEC_TIMEOUT_MS, runExec } from './exec.js';
import { retryOnceWithRenewedCredentials } from './kubeconfig.js';
import {
  templateServiceAccount,
  toDaemonSetInfo,
  toServiceAccountInfo,
  toWorkloadInfo,
  toWorkloadStatus,
} from './mappers.js';
import { listJobsInScope } from './jobs.js';
import { listPodsInScope, listPodsOfServiceAccount } from './pods.js';
import { annotationPatch, callOptions, LIST_PAGE_SIZE, restartPatch } from './requests.js';
import { WORKLOAD_KINDS, listWorkloadsOfKind, patchWorkload, readWorkload } from './workloads.js';
import {
  createVerificationPod,
  deletePodNow,
  listLabelledPods,
  readLog,
  readPodRun,
  readPodScheduling,
} from './verification-pods.js';

export interface KubernetesAdapterOptions {
  /** Deadline for one exec, upgrade to exit status. Default 30 s. */
  execTimeoutMs?: number;
  /** Deadline for each plain API request. Default 30 s. */
  requestTimeoutMs?: number;
  /** Items per list page (the `limit` parameter). Default 500. */
  listPageSize?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * `KubernetesPort` on @kubernetes/client-node. `resolve` turns a fleet cluster name
 * into a KubeConfig (a kubeconfig context, or the EKS endpoint route); its clients are
 * built once per cluster and reused. A failed resolve is not cached, so a retry re-resolves.
 */
export function createKubernetesAdapter(
  resolve: (cluster: string) => KubeConfig | Promise<KubeConfig>,
  options: KubernetesAdapterOptions = {},
): KubernetesPort {
  const execTimeoutMs = options.execTimeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const listPageSize = options.listPageSize ?? LIST_PAGE_SIZE;
  const clients = new Map<string, Promise<ClusterClients>>();

  function clientsFor(cluster: string): Promise<ClusterClients> {
    let cached = clients.get(cluster);
    if (cached === undefined) {
      cached = (async () => {
        const kc = await resolve(cluster);
        return {
          cluster,
          core: kc.makeApiClient(CoreV1Api),
          apps: kc.makeApiClient(AppsV1Api),
          batch: kc.makeApiClient(BatchV1Api),
          exec: new Exec(kc),
          kubeConfig: kc,
          requestTimeoutMs,
          listPageSize,
        };
      })().catch((err: unknown) => {
        // Runs after the `set` below, even when `resolve` throws synchronously.
        clients.delete(cluster);
        throw mapKubernetesError(err, `kubernetes ${cluster}: load cluster credentials`);
      });
      clients.set(cluster, cached);
    }
    return cached;
  }

  return {
    async getServiceAccount(cluster, namespace, name) {
      const c = await clientsFor(cluster);
      const sa = await callOrUndefined(describeCall(cluster, 'read', 'serviceaccount', namespace, name), () =>
        c.core.readNamespacedServiceAccount({ namespace, name }, callOptions(requestTimeoutMs)),
      );
      return sa && toServiceAccountInfo(sa, namespace, name);
    },

    async setServiceAccountAnnotation(cluster, namespace, name, key, value) {
      const c = await clientsFor(cluster);
      const sa = await call(describeCall(cluster, 'read', 'serviceaccount', namespace, name), () =>
        c.core.readNamespacedServiceAccount({ namespace, name }, callOptions(requestTimeoutMs)),
      );
      const current = sa.metadata?.annotations?.[key];
      if (value === null ? current === undefined : current === value) return;
      await call(describeCall(cluster, 'patch', 'serviceaccount', namespace, name), () =>
        c.core.patchNamespacedServiceAccount(
          { namespace, name, body: annotationPatch(key, value) },
          callOptions(requestTimeoutMs, 'strategic-merge'),
        ),
      );
    },

    async listWorkloads(cluster, namespace, serviceAccount) {
      const c = await clientsFor(cluster);
      const perKind = await Promise.all(WORKLOAD_KINDS.map((kind) => listWorkloadsOfKind(c, kind, namespace)));
      return perKind
        .flat()
        .filter((w) => templateServiceAccount(w.object.spec?.template) === serviceAccount)
        .map((w) => toWorkloadInfo(w, namespace));
    },

    async restartWorkload(cluster, ref, restartedAt) {
      await patchWorkload(await clientsFor(cluster), ref, restartPatch(restartedAt));
    },

    async getWorkloadStatus(cluster, ref) {
      return toWorkloadStatus(ref, await readWorkload(await clientsFor(cluster), ref));
    },

    async listPods(cluster, namespace, serviceAccount) {
      return listPodsOfServiceAccount(await clientsFor(cluster), namespace, serviceAccount);
    },

    async getDaemonSet(cluster, namespace, name) {
      const c = await clientsFor(cluster);
      const ds = await callOrUndefined(describeCall(cluster, 'read', 'daemonset', namespace, name), () =>
        c.apps.readNamespacedDaemonSet({ namespace, name }, callOptions(requestTimeoutMs)),
      );
      return ds && toDaemonSetInfo(ds, namespace, name);
    },

    async exec(cluster, namespace, pod, container, command) {
      const c = await clientsFor(cluster);
      const context = describeCall(cluster, 'exec', 'pod', namespace, `${pod}/${container}`);
      return retryOnceWithRenewedCredentials(c.kubeConfig, () =>
        runExec(c.exec, { namespace, pod, container, command }, execTimeoutMs, context),
      );
    },

    async listServiceAccounts(cluster, namespace) {
      const c = await clientsFor(cluster);
      const options = callOptions(requestTimeoutMs);
      const items = await listAllPages(
        describeCall(cluster, 'list', 'serviceaccounts', namespace),
        (p) =>
          namespace === undefined
            ? c.core.listServiceAccountForAllNamespaces(p, options)
            : c.core.listNamespacedServiceAccount({ namespace, ...p }, options),
        listPageSize,
      );
      return items.map((sa) => toServiceAccountInfo(sa, namespace ?? '', ''));
    },

    async listAllWorkloads(cluster, namespace) {
      const c = await clientsFor(cluster);
      const perKind = await Promise.all(WORKLOAD_KINDS.map((kind) => listWorkloadsOfKind(c, kind, namespace)));
      return perKind.flat().map((w) => toWorkloadInfo(w, namespace ?? ''));
    },

    async listAllPods(cluster, namespace) {
      return listPodsInScope(await clientsFor(cluster), namespace);
    },

    async listJobs(cluster, namespace) {
      return listJobsInScope(await clientsFor(cluster), namespace);
    },

    // Verification pods: src/adapters/kubernetes/verification-pods.ts.
    async getPodScheduling(cluster, ref) {
      return readPodScheduling(await clientsFor(cluster), ref);
    },
    async createPod(cluster, spec) {
      await createVerificationPod(await clientsFor(cluster), spec);
    },
    async getPod(cluster, namespace, name) {
      return readPodRun(await clientsFor(cluster), namespace, name);
    },
    async readPodLog(cluster, namespace, name, container) {
      return readLog(await clientsFor(cluster), namespace, name, container);
    },
    async deletePod(cluster, namespace, name) {
      await deletePodNow(await clientsFor(cluster), namespace, name);
    },
    async listPodsWithLabels(cluster, labels, namespace) {
      return listLabelledPods(await clientsFor(cluster), labels, namespace);
    },
  };
}
