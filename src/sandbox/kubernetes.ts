import type { WorkloadRef } from '../domain/types.js';
import { PortError } from '../ports/errors.js';
import type { PodInfo, WorkloadInfo } from '../domain/kubernetes.js';
import type { KubernetesPort } from '../ports/kubernetes.js';
import { takeFault } from './faults.js';
import { runCommand } from './exec.js';
import { desiredPods, isLive, isReady, toPodInfo, workloadPods } from './pods.js';
import { startRollout, workloadStatus } from './rollout.js';
import type { SandboxRuntime } from './runtime.js';
import { requireCluster } from './runtime.js';
import type { ClusterState, PodState, WorkloadState } from './state.js';
import { sameRef } from './state.js';
import { createProbePod, probePodLog, probePodStatus, settleProbe, toLabelledPod } from './verification-pods.js';

function notFound(what: string): PortError {
  return new PortError('not-found', `${what} not found`, { code: 'NotFound', httpStatus: 404 });
}

function requireWorkload(cluster: ClusterState, ref: WorkloadRef): WorkloadState {
  const workload = cluster.workloads.find((w) => sameRef(w, ref));
  if (workload === undefined) throw notFound(`${ref.kind.toLowerCase()}s.apps "${ref.name}" in ${ref.namespace}`);
  return workload;
}

function toWorkloadInfo(w: WorkloadState): WorkloadInfo {
  return {
    ref: { kind: w.kind, namespace: w.namespace, name: w.name },
    serviceAccount: w.serviceAccount,
    generation: w.generation,
    ...(w.restartedAt === undefined ? {} : { restartedAt: w.restartedAt }),
    ...(w.updateStrategy === 'RollingUpdate' ? {} : { updateStrategy: w.updateStrategy }),
    ...(w.kind === 'StatefulSet' && (w.partition ?? 0) > 0 ? { partition: w.partition } : {}),
  };
}

const KIND_ORDER = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** As the API lists them: by namespace, then name (workloads: kind first, as the adapter lists kinds in turn). */
function byNamespaceAndName(a: { namespace: string; name: string }, b: { namespace: string; name: string }) {
  return a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
}

function workloadInfos(cluster: ClusterState, keep: (w: WorkloadState) => boolean): WorkloadInfo[] {
  return cluster.workloads
    .filter(keep)
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || byNamespaceAndName(a, b))
    .map(toWorkloadInfo);
}

function podInfos(cluster: ClusterState, keep: (p: PodState) => boolean, now: number): PodInfo[] {
  return cluster.pods
    .filter(keep)
    .sort((a, b) => byNamespaceAndName(a, b) || a.createdAt - b.createdAt)
    .map((p) => toPodInfo(cluster, p, now));
}

const inScope = (namespace: string | undefined) => (o: { namespace: string }) =>
  namespace === undefined || o.namespace === namespace;

export function createSandboxKubernetes(runtime: SandboxRuntime): KubernetesPort {
  return {
    getServiceAccount(name, namespace, saName) {
      return runtime.call(name, 'getServiceAccount', undefined, (s) =>
        requireCluster(s, name).serviceAccounts.find((sa) => sa.namespace === namespace && sa.name === saName),
      );
    },
    setServiceAccountAnnotation(name, namespace, saName, key, value) {
      return runtime.call(name, 'setServiceAccountAnnotation', 'annotate', (s) => {
        const sa = requireCluster(s, name).serviceAccounts.find((a) => a.namespace === namespace && a.name === saName);
        if (sa === undefined) throw notFound(`serviceaccounts "${saName}" in ${namespace}`);
        if (value === null) delete sa.annotations[key];
        else sa.annotations[key] = value;
      });
    },
    listWorkloads(name, namespace, serviceAccount) {
      return runtime.call(name, 'listWorkloads', undefined, (s) =>
        workloadInfos(requireCluster(s, name), (w) => w.namespace === namespace && w.serviceAccount === serviceAccount),
      );
    },
    restartWorkload(name, ref, restartedAt) {
      return runtime.call(name, 'restartWorkload', 'restart', (s, now) => {
        const cluster = requireCluster(s, name);
        const workload = requireWorkload(cluster, ref);
        // Patching the same value changes nothing, so a retried restart starts no second rollout.
        if (workload.restartedAt === restartedAt) return;
        const stuck = takeFault(s, name, 'rollout', ['stuck']) !== undefined;
        startRollout(cluster, s.region, workload, { at: now, restartedAt, podStartMs: runtime.podStartMs, stuck });
      });
    },
    getWorkloadStatus(name, ref) {
      return runtime.call(name, 'getWorkloadStatus', 'rollout', (s, now) => {
        const cluster = requireCluster(s, name);
        return workloadStatus(cluster, requireWorkload(cluster, ref), now);
      });
    },
    listPods(name, namespace, serviceAccount) {
      return runtime.call(name, 'listPods', 'list-pods', (s, now) =>
        podInfos(requireCluster(s, name), (p) => p.namespace === namespace && p.serviceAccount === serviceAccount, now),
      );
    },
    getDaemonSet(name, namespace, dsName) {
      return runtime.call(name, 'getDaemonSet', undefined, (s, now) => {
        const cluster = requireCluster(s, name);
        const ref: WorkloadRef = { kind: 'DaemonSet', namespace, name: dsName };
        const workload = cluster.workloads.find((w) => sameRef(w, ref));
        if (workload === undefined) {
          return cluster.daemonSets.find((d) => d.namespace === namespace && d.name === dsName);
        }
        return {
          namespace,
          name: dsName,
          desiredNumberScheduled: desiredPods(cluster, workload),
          numberReady: workloadPods(cluster, workload).filter((p) => isLive(p) && isReady(p, now)).length,
        };
      });
    },
    exec(name, namespace, podName, containerName, command) {
      return runtime.call(name, 'exec', 'exec', (s, now) => {
        const cluster = requireCluster(s, name);
        const pod = cluster.pods.find((p) => p.namespace === namespace && p.name === podName);
        if (pod === undefined) throw notFound(`pods "${podName}" in ${namespace}`);
        const container = pod.containers.find((c) => c.name === containerName);
        if (container === undefined) {
          throw new PortError('validation', `container ${containerName} is not valid for pod ${podName}`, {
            code: 'BadRequest',
            httpStatus: 400,
          });
        }
        return runCommand({ state: s, cluster, pod, container, now }, command);
      });
    },
    // Fleet-wide reads have no fault step: a fault armed for a migration's step is not theirs to use up.
    listServiceAccounts(name, namespace) {
      return runtime.call(name, 'listServiceAccounts', undefined, (s) =>
        requireCluster(s, name).serviceAccounts.filter(inScope(namespace)).sort(byNamespaceAndName),
      );
    },
    listAllWorkloads(name, namespace) {
      return runtime.call(name, 'listAllWorkloads', undefined, (s) =>
        workloadInfos(requireCluster(s, name), inScope(namespace)),
      );
    },
    listAllPods(name, namespace) {
      return runtime.call(name, 'listAllPods', undefined, (s, now) =>
        podInfos(requireCluster(s, name), inScope(namespace), now),
      );
    },
    listJobs(name, namespace) {
      return runtime.call(name, 'listJobs', undefined, (s) =>
        (requireCluster(s, name).jobs ?? [])
          .filter(inScope(namespace))
          // As the adapter lists them: CronJobs, then Jobs, each by namespace and name.
          .sort((a, b) => (a.kind === b.kind ? byNamespaceAndName(a, b) : a.kind === 'CronJob' ? -1 : 1)),
      );
    },

    // Verification pods: src/sandbox/verification-pods.ts.
    getPodScheduling(name, ref) {
      return runtime.call(name, 'getPodScheduling', undefined, (s) => ({
        nodeSelector: { ...requireWorkload(requireCluster(s, name), ref).nodeSelector },
        tolerations: [],
      }));
    },
    createPod(name, spec) {
      return runtime.call(name, 'createPod', 'probe-pod', (s, now) => {
        const stuck = takeFault(s, name, 'probe-pod', ['stuck']) !== undefined;
        createProbePod(s, requireCluster(s, name), spec, now, runtime.podStartMs, stuck);
      });
    },
    getPod(name, namespace, podName) {
      return runtime.call(name, 'getPod', undefined, (s, now) => {
        const cluster = requireCluster(s, name);
        const pod = cluster.pods.find((p) => p.namespace === namespace && p.name === podName);
        if (pod === undefined) return undefined;
        settleProbe(s, cluster, pod, now);
        return probePodStatus(pod, now);
      });
    },
    readPodLog(name, namespace, podName, container) {
      return runtime.call(name, 'readPodLog', undefined, (s, now) => {
        const cluster = requireCluster(s, name);
        const pod = cluster.pods.find((p) => p.namespace === namespace && p.name === podName);
        if (pod === undefined) throw notFound(`pods "${podName}" in ${namespace}`);
        settleProbe(s, cluster, pod, now);
        return probePodLog(pod, container, now);
      });
    },
    deletePod(name, namespace, podName) {
      return runtime.call(name, 'deletePod', undefined, (s) => {
        const cluster = requireCluster(s, name);
        // gracePeriodSeconds 0: gone from the API at once.
        cluster.pods = cluster.pods.filter((p) => p.namespace !== namespace || p.name !== podName);
      });
    },
    listPodsWithLabels(name, labels, namespace) {
      return runtime.call(name, 'listPodsWithLabels', undefined, (s, now) => {
        const cluster = requireCluster(s, name);
        const selected = cluster.pods
          .filter(inScope(namespace))
          .filter((p) => Object.entries(labels).every(([k, v]) => p.labels[k] === v));
        for (const pod of selected) settleProbe(s, cluster, pod, now);
        return selected.sort(byNamespaceAndName).map(toLabelledPod);
      });
    },
  };
}
