/**
 * The calls behind verification pods: create one exactly as specified, read it back, read
 * its log, delete it, and find them by label. The pod body and the mappings are pure and
 * exported so their shapes are tested without a server.
 */
import type { V1Pod, V1PodTemplateSpec, V1Toleration } from '@kubernetes/client-node';
import type { WorkloadRef } from '../../domain/types.js';
import type {
  ContainerRunState,
  LabelledPod,
  PodRunStatus,
  PodScheduling,
  PodToleration,
  VerificationPodSpec,
} from '../../domain/verification-pod.js';
import { PROBE_CONTAINER } from '../../domain/verification-pod.js';
import { call, callOrUndefined, describeCall, listAllPages } from './calls.js';
import type { ClusterClients } from './calls.js';
import { callOptions } from './requests.js';
import { readWorkload } from './workloads.js';

/** Logs past this are not read: a caller identity is a few hundred bytes. */
export const POD_LOG_LIMIT_BYTES = 64 * 1024;

/** `a=b,c=d`: every label must match. */
export function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

function toToleration(t: PodToleration): V1Toleration {
  return {
    ...(t.key === undefined ? {} : { key: t.key }),
    ...(t.operator === undefined ? {} : { operator: t.operator }),
    ...(t.value === undefined ? {} : { value: t.value }),
    ...(t.effect === undefined ? {} : { effect: t.effect }),
    ...(t.tolerationSeconds === undefined ? {} : { tolerationSeconds: t.tolerationSeconds }),
  };
}

/**
 * The pod as the API receives it. No env and no volumes of our own: whatever credentials
 * it holds, the webhook put there. `restartPolicy: Never`, so a failed probe stays failed.
 */
export function verificationPodBody(spec: VerificationPodSpec): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels: { ...spec.labels },
      annotations: { ...spec.annotations },
    },
    spec: {
      serviceAccountName: spec.serviceAccount,
      restartPolicy: 'Never',
      activeDeadlineSeconds: spec.activeDeadlineSeconds,
      terminationGracePeriodSeconds: 0,
      ...(Object.keys(spec.nodeSelector).length > 0 ? { nodeSelector: { ...spec.nodeSelector } } : {}),
      ...(spec.tolerations.length > 0 ? { tolerations: spec.tolerations.map(toToleration) } : {}),
      containers: [{ name: PROBE_CONTAINER, image: spec.image, command: [...spec.command] }],
    },
  };
}

export function schedulingOf(template: V1PodTemplateSpec | undefined): PodScheduling {
  const spec = template?.spec;
  return {
    nodeSelector: { ...spec?.nodeSelector },
    tolerations: (spec?.tolerations ?? []).map((t) => ({
      ...(t.key === undefined ? {} : { key: t.key }),
      ...(t.operator === undefined ? {} : { operator: t.operator }),
      ...(t.value === undefined ? {} : { value: t.value }),
      ...(t.effect === undefined ? {} : { effect: t.effect }),
      ...(t.tolerationSeconds === undefined ? {} : { tolerationSeconds: t.tolerationSeconds }),
    })),
  };
}

function containerState(pod: V1Pod): ContainerRunState | undefined {
  const status = pod.status?.containerStatuses?.[0];
  const state = status?.state;
  if (state?.terminated) {
    const t = state.terminated;
    return {
      state: 'terminated',
      exitCode: t.exitCode,
      ...(t.reason ? { reason: t.reason } : {}),
      ...(t.message ? { message: t.message } : {}),
    };
  }
  if (state?.running) return { state: 'running' };
  if (state?.waiting) {
    const w = state.waiting;
    return {
      state: 'waiting',
      ...(w.reason ? { reason: w.reason } : {}),
      ...(w.message ? { message: w.message } : {}),
    };
  }
  return undefined;
}

export function toPodRunStatus(pod: V1Pod, namespace: string, name: string): PodRunStatus {
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const container = containerState(pod);
  const created = pod.metadata?.creationTimestamp;
  return {
    namespace: pod.metadata?.namespace ?? namespace,
    name: pod.metadata?.name ?? name,
    phase: pod.status?.phase ?? 'Pending',
    ...(pod.status?.reason ? { reason: pod.status.reason } : {}),
    ...(pod.status?.message ? { message: pod.status.message } : {}),
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    ...(scheduled
      ? {
          scheduled: {
            status: scheduled.status,
            ...(scheduled.reason ? { reason: scheduled.reason } : {}),
            ...(scheduled.message ? { message: scheduled.message } : {}),
          },
        }
      : {}),
    ...(container ? { container } : {}),
    env: Object.fromEntries((pod.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value ?? ''])),
    labels: { ...pod.metadata?.labels },
    ...(created ? { createdAt: new Date(created).toISOString() } : {}),
  };
}

function toLabelledPod(pod: V1Pod): LabelledPod {
  const created = pod.metadata?.creationTimestamp;
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    labels: { ...pod.metadata?.labels },
    annotations: { ...pod.metadata?.annotations },
    ...(created ? { createdAt: new Date(created).toISOString() } : {}),
    phase: pod.status?.phase ?? 'Pending',
  };
}

export async function readPodScheduling(c: ClusterClients, ref: WorkloadRef): Promise<PodScheduling> {
  return schedulingOf((await readWorkload(c, ref)).object.spec?.template);
}

export async function createVerificationPod(c: ClusterClients, spec: VerificationPodSpec): Promise<void> {
  await call(describeCall(c.cluster, 'create', 'pod', spec.namespace, spec.name), () =>
    c.core.createNamespacedPod(
      { namespace: spec.namespace, body: verificationPodBody(spec) },
      callOptions(c.requestTimeoutMs),
    ),
  );
}

export async function readPodRun(c: ClusterClients, namespace: string, name: string) {
  const pod = await callOrUndefined(describeCall(c.cluster, 'read', 'pod', namespace, name), () =>
    c.core.readNamespacedPod({ namespace, name }, callOptions(c.requestTimeoutMs)),
  );
  return pod && toPodRunStatus(pod, namespace, name);
}

export async function readLog(c: ClusterClients, namespace: string, name: string, container: string) {
  return call(describeCall(c.cluster, 'read', 'pods/log', namespace, `${name}/${container}`), () =>
    c.core.readNamespacedPodLog(
      { namespace, name, container, limitBytes: POD_LOG_LIMIT_BYTES },
      callOptions(c.requestTimeoutMs),
    ),
  );
}

export async function deletePodNow(c: ClusterClients, namespace: string, name: string): Promise<void> {
  await callOrUndefined(describeCall(c.cluster, 'delete', 'pod', namespace, name), () =>
    c.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 }, callOptions(c.requestTimeoutMs)),
  );
}

export async function listLabelledPods(
  c: ClusterClients,
  labels: Record<string, string>,
  namespace: string | undefined,
): Promise<LabelledPod[]> {
  const options = callOptions(c.requestTimeoutMs);
  const selector = labelSelector(labels);
  const pods = await listAllPages(
    describeCall(c.cluster, 'list', 'pods', namespace, `-l ${selector}`),
    (p) =>
      namespace === undefined
        ? c.core.listPodForAllNamespaces({ labelSelector: selector, ...p }, options)
        : c.core.listNamespacedPod({ namespace, labelSelector: selector, ...p }, options),
    c.listPageSize,
  );
  return pods.map(toLabelledPod);
}
