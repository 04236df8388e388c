/** Pure conversions from client-node models to the port's plain data. */
import type {
  V1DaemonSet,
  V1Deployment,
  V1OwnerReference,
  V1Pod,
  V1PodTemplateSpec,
  V1ServiceAccount,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { WorkloadKind, WorkloadRef } from '../../domain/types.js';
import type {
  ContainerInfo,
  DaemonSetInfo,
  EnvFromSource,
  PodController,
  PodInfo,
  ServiceAccountInfo,
  WorkloadInfo,
  WorkloadStatus,
} from '../../domain/kubernetes.js';
import { RESTARTED_AT_ANNOTATION } from './requests.js';

export type AppsWorkload =
  | { kind: 'Deployment'; object: V1Deployment }
  | { kind: 'StatefulSet'; object: V1StatefulSet }
  | { kind: 'DaemonSet'; object: V1DaemonSet };

export function toServiceAccountInfo(sa: V1ServiceAccount, namespace: string, name: string): ServiceAccountInfo {
  return {
    namespace: sa.metadata?.namespace ?? namespace,
    name: sa.metadata?.name ?? name,
    annotations: { ...sa.metadata?.annotations },
  };
}

/** The service account a pod template runs as: `serviceAccountName`, the deprecated `serviceAccount`, else `default`. */
export function templateServiceAccount(template: V1PodTemplateSpec | undefined): string {
  const spec = template?.spec;
  return spec?.serviceAccountName || spec?.serviceAccount || 'default';
}

function refOf(kind: WorkloadKind, object: { metadata?: { namespace?: string; name?: string } }, namespace: string) {
  return { kind, namespace: object.metadata?.namespace ?? namespace, name: object.metadata?.name ?? '' };
}

function restartedAtOf(template: V1PodTemplateSpec | undefined): { restartedAt?: string } {
  const value = template?.metadata?.annotations?.[RESTARTED_AT_ANNOTATION];
  return value === undefined ? {} : { restartedAt: value };
}

/** `spec.updateStrategy` (`spec.strategy` for Deployments) where it is not a plain rolling update. */
function strategyOf(workload: AppsWorkload): Pick<WorkloadInfo, 'updateStrategy' | 'partition'> {
  const type =
    workload.kind === 'Deployment' ? workload.object.spec?.strategy?.type : workload.object.spec?.updateStrategy?.type;
  const partition =
    workload.kind === 'StatefulSet' ? workload.object.spec?.updateStrategy?.rollingUpdate?.partition : 0;
  return {
    ...(type === undefined || type === 'RollingUpdate' ? {} : { updateStrategy: type }),
    ...(partition === undefined || partition <= 0 ? {} : { partition }),
  };
}

export function toWorkloadInfo(workload: AppsWorkload, namespace: string): WorkloadInfo {
  const { kind, object } = workload;
  const template = object.spec?.template;
  return {
    ref: refOf(kind, object, namespace),
    serviceAccount: templateServiceAccount(template),
    ...restartedAtOf(template),
    generation: object.metadata?.generation ?? 0,
    ...strategyOf(workload),
  };
}

function defined<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function toWorkloadStatus(ref: WorkloadRef, workload: AppsWorkload): WorkloadStatus {
  const common = {
    ref,
    generation: workload.object.metadata?.generation ?? 0,
    observedGeneration: workload.object.status?.observedGeneration ?? 0,
    ...restartedAtOf(workload.object.spec?.template),
  };
  const conditions = (workload.object.status?.conditions ?? []).map((c) =>
    Object.assign({ type: c.type, status: c.status }, defined({ reason: c.reason, message: c.message })),
  );
  switch (workload.kind) {
    case 'Deployment': {
      const { spec, status } = workload.object;
      return {
        ...common,
        // The API defaults spec.replicas to 1; a missing value means the server has not defaulted it yet.
        desiredReplicas: spec?.replicas ?? 1,
        currentReplicas: status?.replicas ?? 0,
        updatedReplicas: status?.updatedReplicas ?? 0,
        availableReplicas: status?.availableReplicas ?? 0,
        readyReplicas: status?.readyReplicas ?? 0,
        updateStrategy: spec?.strategy?.type ?? 'RollingUpdate',
        conditions,
      };
    }
    case 'StatefulSet': {
      const { spec, status } = workload.object;
      return {
        ...common,
        desiredReplicas: spec?.replicas ?? 1,
        currentReplicas: status?.replicas ?? 0,
        updatedReplicas: status?.updatedReplicas ?? 0,
        availableReplicas: status?.availableReplicas ?? 0,
        readyReplicas: status?.readyReplicas ?? 0,
        updateStrategy: spec?.updateStrategy?.type ?? 'RollingUpdate',
        ...defined({
          partition: spec?.updateStrategy?.rollingUpdate?.partition,
          currentRevision: status?.currentRevision,
          updateRevision: status?.updateRevision,
        }),
        conditions,
      };
    }
    case 'DaemonSet': {
      const { spec, status } = workload.object;
      return {
        ...common,
        desiredReplicas: status?.desiredNumberScheduled ?? 0,
        currentReplicas: status?.currentNumberScheduled ?? 0,
        updatedReplicas: status?.updatedNumberScheduled ?? 0,
        availableReplicas: status?.numberAvailable ?? 0,
        readyReplicas: status?.numberReady ?? 0,
        updateStrategy: spec?.updateStrategy?.type ?? 'RollingUpdate',
        conditions,
      };
    }
  }
}

export function toDaemonSetInfo(ds: V1DaemonSet, namespace: string, name: string): DaemonSetInfo {
  return {
    namespace: ds.metadata?.namespace ?? namespace,
    name: ds.metadata?.name ?? name,
    desiredNumberScheduled: ds.status?.desiredNumberScheduled ?? 0,
    numberReady: ds.status?.numberReady ?? 0,
  };
}

/** The controlling owner, as the garbage collector sees it. */
export function controllerOf(owners: V1OwnerReference[] | undefined): V1OwnerReference | undefined {
  return owners?.find((o) => o.controller === true);
}

function toContainerInfo(container: NonNullable<V1Pod['spec']>['containers'][number]): ContainerInfo {
  const envFrom = (container.envFrom ?? []).flatMap((source): EnvFromSource[] => {
    const prefix = source.prefix ? { prefix: source.prefix } : {};
    if (source.configMapRef) return [{ kind: 'ConfigMap', name: source.configMapRef.name ?? '', ...prefix }];
    if (source.secretRef) return [{ kind: 'Secret', name: source.secretRef.name ?? '', ...prefix }];
    return [];
  });
  return {
    name: container.name,
    image: container.image ?? '',
    env: Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? ''])),
    ...(envFrom.length > 0 && { envFrom }),
  };
}

const RESTARTED_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** The workload the migration restarts, when the controller is one. */
export function workloadOf(controller: PodController | undefined, namespace: string): WorkloadRef | undefined {
  if (controller?.apiVersion !== 'apps/v1') return undefined;
  const kind = RESTARTED_KINDS.find((k) => k === controller.kind);
  return kind && { kind, namespace, name: controller.name };
}

export function toPodInfo(
  pod: V1Pod,
  namespace: string,
  nodeLabels: Record<string, string>,
  controller: PodController | undefined,
): PodInfo {
  const nodeName = pod.spec?.nodeName;
  const podNamespace = pod.metadata?.namespace ?? namespace;
  const owner = workloadOf(controller, podNamespace);
  return {
    namespace: podNamespace,
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    serviceAccount: pod.spec?.serviceAccountName || pod.spec?.serviceAccount || 'default',
    ...(nodeName ? { nodeName } : {}),
    nodeLabels,
    labels: { ...pod.metadata?.labels },
    phase: pod.status?.phase ?? 'Unknown',
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    terminating: pod.metadata?.deletionTimestamp !== undefined,
    createdAt: toIso(pod.metadata?.creationTimestamp),
    ...(owner ? { owner } : {}),
    ...(controller ? { controller } : {}),
    containers: (pod.spec?.containers ?? []).map(toContainerInfo),
    ...containerHealth(pod.status?.containerStatuses ?? []),
  };
}

/**
 * Restarts and waiting reasons of the app's containers: the kubelet restarts an exited
 * container with a back-off (10 s doubling to 5 min) and reports it waiting in
 * `CrashLoopBackOff` meanwhile (kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle,
 * "Container restarts"; `restartCount` and `state.waiting.reason` in the ContainerStatus API).
 */
function containerHealth(statuses: NonNullable<V1Pod['status']>['containerStatuses'] & object) {
  const restarts = statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0);
  const waiting = statuses.flatMap((s) => (s.state?.waiting?.reason ? [s.state.waiting.reason] : []));
  return { ...(restarts > 0 && { restarts }), ...(waiting.length > 0 && { waitingReasons: waiting }) };
}

/** client-node deserializes timestamps to `Date`; the port carries ISO strings. */
function toIso(value: Date | string | undefined): string {
  if (value === undefined) return '';
  return value instanceof Date ? value.toISOString() : value;
}
