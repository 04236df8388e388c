import type { WorkloadRef } from '../domain/types.js';
import { PortError } from '../ports/errors.js';
import type { PodInfo, WorkloadInfo } from '../domain/kubernetes.js';
import type { KubernetesPort } from '../ports/kubernetes.js';
import { takeFault } from './faults.js';
import { runCommand } from './exec.js';
import { containersRunning, desiredPods, isLive, isReady, toPodInfo, workloadPods } from './pods.js';
import { startRollout, workloadStatus } from './rollout.js';
import type { SandboxRuntime } from './runtime.js';
import { requireCluster } from './runtime.js';
import { podKey } from './rows.js';
import type { ClusterState, PodState, WorkloadState } from './state.js';
import { sameRef } from './state.js';
import type { FleetView } from './view.js';
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

function badRequest(message: string): PortError {
  return new PortError('validation', message, { code: 'BadRequest', httpStatus: 400 });
}

/**
 * A container that is not running: the kubelet answers the exec with HTTP 500 `container not
 * found ("<name>")` (pkg/kubelet/kubelet_pods.go `GetExec`; pkg/kubelet/server/server.go
 * `getExec` through staging/src/k8s.io/kubelet/pkg/cri/streaming `WriteError`). The API server
 * relays the exec websocket (v5.channel.k8s.io, which client-node asks for first) to the
 * kubelet over SPDY and writes a failed upgrade to the status channel as an InternalError
 * (staging/src/k8s.io/apiserver/pkg/util/proxy/streamtranslator.go; the SPDY round tripper's
 * "unable to upgrade connection: %s"): the adapter reads that as `unavailable`, HTTP 500.
 * `kubectl exec` prints the same text: "unable to upgrade connection: container not found".
 */
function containerNotFound(containerName: string): PortError {
  return new PortError(
    'unavailable',
    `Internal error occurred: unable to upgrade connection: container not found ("${containerName}")`,
    { code: 'InternalError', httpStatus: 500 },
  );
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

/** The cluster with `collection` loaded: of one namespace when given, else all of it. */
function listed(view: FleetView, name: string, collection: Parameters<FleetView['load']>[1], namespace?: string) {
  const cluster = requireCluster(view, name);
  view.load(name, collection, namespace === undefined ? {} : { namespace });
  return cluster;
}

/** The cluster with the workload (if it exists) and everything of its service account loaded. */
function withWorkload(view: FleetView, name: string, ref: WorkloadRef): ClusterState {
  const cluster = requireCluster(view, name);
  view.loadWorkload(name, ref);
  return cluster;
}

/** A pod by name, with the associations of its service account loaded (a probe that runs reads them). */
function probePod(view: FleetView, name: string, namespace: string, podName: string): PodState | undefined {
  const cluster = requireCluster(view, name);
  view.load(name, 'pods', { key: podKey(name, namespace, podName) });
  const pod = cluster.pods.find((p) => p.namespace === namespace && p.name === podName);
  if (pod !== undefined) view.load(name, 'associations', { namespace, subject: pod.serviceAccount });
  return pod;
}

export function createSandboxKubernetes(runtime: SandboxRuntime): KubernetesPort {
  return {
    getServiceAccount(name, namespace, saName) {
      return runtime.read(name, 'getServiceAccount', undefined, (v) => {
        const cluster = requireCluster(v, name);
        v.load(name, 'serviceAccounts', { namespace, subject: saName });
        return cluster.serviceAccounts.find((sa) => sa.namespace === namespace && sa.name === saName);
      });
    },
    setServiceAccountAnnotation(name, namespace, saName, key, value) {
      return runtime.call(name, 'setServiceAccountAnnotation', 'annotate', (v) => {
        const cluster = requireCluster(v, name);
        v.load(name, 'serviceAccounts', { namespace, subject: saName });
        const sa = cluster.serviceAccounts.find((a) => a.namespace === namespace && a.name === saName);
        if (sa === undefined) throw notFound(`serviceaccounts "${saName}" in ${namespace}`);
        if (value === null) delete sa.annotations[key];
        else sa.annotations[key] = value;
      });
    },
    listWorkloads(name, namespace, serviceAccount) {
      return runtime.read(name, 'listWorkloads', undefined, (v) => {
        const cluster = requireCluster(v, name);
        v.load(name, 'workloads', { namespace, subject: serviceAccount });
        return workloadInfos(cluster, (w) => w.namespace === namespace && w.serviceAccount === serviceAccount);
      });
    },
    restartWorkload(name, ref, restartedAt) {
      return runtime.call(name, 'restartWorkload', 'restart', (v, now) => {
        const cluster = withWorkload(v, name, ref);
        const workload = requireWorkload(cluster, ref);
        // Patching the same value changes nothing, so a retried restart starts no second rollout.
        if (workload.restartedAt === restartedAt) return;
        const stuck = takeFault(v.state, name, 'rollout', ['stuck']) !== undefined;
        startRollout(cluster, v.state.region, workload, {
          at: now,
          restartedAt,
          podStartMs: runtime.podStartMs,
          stuck,
        });
      });
    },
    getWorkloadStatus(name, ref) {
      return runtime.read(name, 'getWorkloadStatus', 'rollout', (v, now) => {
        const cluster = withWorkload(v, name, ref);
        return workloadStatus(cluster, requireWorkload(cluster, ref), now);
      });
    },
    listPods(name, namespace, serviceAccount) {
      return runtime.read(name, 'listPods', 'list-pods', (v, now) => {
        const cluster = requireCluster(v, name);
        v.load(name, 'pods', { namespace, subject: serviceAccount });
        return podInfos(cluster, (p) => p.namespace === namespace && p.serviceAccount === serviceAccount, now);
      });
    },
    getDaemonSet(name, namespace, dsName) {
      return runtime.read(name, 'getDaemonSet', undefined, (v, now) => {
        const ref: WorkloadRef = { kind: 'DaemonSet', namespace, name: dsName };
        const cluster = withWorkload(v, name, ref);
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
      return runtime.call(name, 'exec', 'exec', (v, now) => {
        const cluster = requireCluster(v, name);
        v.load(name, 'pods', { key: podKey(name, namespace, podName) });
        const pod = cluster.pods.find((p) => p.namespace === namespace && p.name === podName);
        if (pod === undefined) throw notFound(`pods "${podName}" in ${namespace}`);
        // The webhook's and the agent's view of its service account's associations.
        v.load(name, 'associations', { namespace, subject: pod.serviceAccount });
        const container = pod.containers.find((c) => c.name === containerName);
        // The API server refuses these before it dials any kubelet (kubernetes/kubernetes
        // pkg/registry/core/pod/strategy.go `streamLocation`): HTTP 400 on the exec upgrade.
        if (container === undefined) throw badRequest(`container ${containerName} is not valid for pod ${podName}`);
        if (pod.nodeName === undefined) throw badRequest(`pod ${podName} does not have a host assigned`);
        if (!containersRunning(pod, now)) throw containerNotFound(containerName);
        return runCommand({ view: v, cluster, pod, container, now }, command);
      });
    },
    // Fleet-wide reads have no fault step: a fault armed for a migration's step is not theirs to use up.
    listServiceAccounts(name, namespace) {
      return runtime.read(name, 'listServiceAccounts', undefined, (v) =>
        listed(v, name, 'serviceAccounts', namespace)
          .serviceAccounts.filter(inScope(namespace))
          .sort(byNamespaceAndName),
      );
    },
    listAllWorkloads(name, namespace) {
      return runtime.read(name, 'listAllWorkloads', undefined, (v) =>
        workloadInfos(listed(v, name, 'workloads', namespace), inScope(namespace)),
      );
    },
    listAllPods(name, namespace) {
      return runtime.read(name, 'listAllPods', undefined, (v, now) =>
        podInfos(listed(v, name, 'pods', namespace), inScope(namespace), now),
      );
    },
    listJobs(name, namespace) {
      return runtime.read(name, 'listJobs', undefined, (v) =>
        (listed(v, name, 'jobs', namespace).jobs ?? [])
          .filter(inScope(namespace))
          // As the adapter lists them: CronJobs, then Jobs, each by namespace and name.
          .sort((a, b) => (a.kind === b.kind ? byNamespaceAndName(a, b) : a.kind === 'CronJob' ? -1 : 1)),
      );
    },

    // Verification pods: src/sandbox/verification-pods.ts.
    getPodScheduling(name, ref) {
      return runtime.read(name, 'getPodScheduling', undefined, (v) => ({
        nodeSelector: { ...requireWorkload(withWorkload(v, name, ref), ref).nodeSelector },
        tolerations: [],
      }));
    },
    createPod(name, spec) {
      return runtime.call(name, 'createPod', 'probe-pod', (v, now) => {
        const cluster = requireCluster(v, name);
        // The webhook's view of the service account, a pod of the same name, and the images the nodes know.
        v.loadSubject(name, spec.namespace, spec.serviceAccount);
        v.load(name, 'pods', { key: podKey(name, spec.namespace, spec.name) });
        v.load(name, 'workloads');
        const stuck = takeFault(v.state, name, 'probe-pod', ['stuck']) !== undefined;
        createProbePod(v, cluster, spec, now, runtime.podStartMs, stuck);
      });
    },
    getPod(name, namespace, podName) {
      return runtime.call(name, 'getPod', undefined, (v, now) => {
        const pod = probePod(v, name, namespace, podName);
        if (pod === undefined) return undefined;
        settleProbe(v, requireCluster(v, name), pod, now);
        return probePodStatus(pod, now);
      });
    },
    readPodLog(name, namespace, podName, container) {
      return runtime.call(name, 'readPodLog', undefined, (v, now) => {
        const pod = probePod(v, name, namespace, podName);
        if (pod === undefined) throw notFound(`pods "${podName}" in ${namespace}`);
        settleProbe(v, requireCluster(v, name), pod, now);
        return probePodLog(pod, container, now);
      });
    },
    deletePod(name, namespace, podName) {
      return runtime.call(name, 'deletePod', undefined, (v) => {
        const cluster = requireCluster(v, name);
        v.load(name, 'pods', { key: podKey(name, namespace, podName) });
        // gracePeriodSeconds 0: gone from the API at once.
        cluster.pods = cluster.pods.filter((p) => p.namespace !== namespace || p.name !== podName);
      });
    },
    listPodsWithLabels(name, labels, namespace) {
      return runtime.call(name, 'listPodsWithLabels', undefined, (v, now) => {
        // A label selector is no row field: the API server reads every pod in scope, and so does this.
        const cluster = listed(v, name, 'pods', namespace);
        const selected = cluster.pods
          .filter(inScope(namespace))
          .filter((p) => Object.entries(labels).every(([k, val]) => p.labels[k] === val));
        for (const pod of selected) {
          v.load(name, 'associations', { namespace: pod.namespace, subject: pod.serviceAccount });
          settleProbe(v, cluster, pod, now);
        }
        return selected.sort(byNamespaceAndName).map(toLabelledPod);
      });
    },
  };
}
