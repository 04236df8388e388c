import type { WorkloadKind, WorkloadRef } from '../domain/types.js';

export interface ServiceAccountInfo {
  namespace: string;
  name: string;
  annotations: Record<string, string>;
}

export interface ContainerInfo {
  name: string;
  image: string;
  /** Literal `env` values of the pod spec (valueFrom entries map to ''), after webhook injection. */
  env: Record<string, string>;
}

export interface PodInfo {
  namespace: string;
  name: string;
  uid: string;
  serviceAccount: string;
  nodeName?: string;
  /** Labels of the node the pod runs on (empty when unscheduled). */
  nodeLabels: Record<string, string>;
  /** Pod labels; Fargate pods carry `eks.amazonaws.com/fargate-profile`. */
  labels: Record<string, string>;
  phase: string;
  ready: boolean;
  /** True once the API server has set deletionTimestamp. */
  terminating: boolean;
  createdAt: string;
  /** The workload that owns the pod (through its ReplicaSet for Deployments). */
  owner?: WorkloadRef;
  containers: ContainerInfo[];
}

/** The raw fields `kubectl rollout status` reads, for the pure rules in `domain/rollout.ts`. */
export interface WorkloadStatus {
  ref: WorkloadRef;
  generation: number;
  observedGeneration: number;
  /** spec.replicas (Deployment/StatefulSet); desiredNumberScheduled for DaemonSets. */
  desiredReplicas: number;
  /** status.replicas (Deployment/StatefulSet); currentNumberScheduled for DaemonSets. */
  currentReplicas: number;
  /** updatedReplicas, or updatedNumberScheduled for DaemonSets. */
  updatedReplicas: number;
  /** availableReplicas, or numberAvailable for DaemonSets. */
  availableReplicas: number;
  readyReplicas: number;
  /** `RollingUpdate`, `OnDelete` or `Recreate`. */
  updateStrategy: string;
  /** StatefulSet rolling-update partition. */
  partition?: number;
  /** StatefulSet revisions. */
  currentRevision?: string;
  updateRevision?: string;
  /** Deployment conditions, as the API returns them. */
  conditions: { type: string; status: string; reason?: string; message?: string }[];
  /** `kubectl.kubernetes.io/restartedAt` on the pod template, if any. */
  restartedAt?: string;
}

export interface WorkloadInfo {
  ref: WorkloadRef;
  serviceAccount: string;
  /** Pod template's `kubectl.kubernetes.io/restartedAt`, for the rollback note. */
  restartedAt?: string;
  generation: number;
}

export interface DaemonSetInfo {
  namespace: string;
  name: string;
  desiredNumberScheduled: number;
  numberReady: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Kubernetes, per cluster. Errors are `PortError`s (see `errors.ts`).
 * `cluster` is the fleet's cluster name; adapters pick the client for it.
 */
export interface KubernetesPort {
  /** Undefined when the service account does not exist. */
  getServiceAccount(cluster: string, namespace: string, name: string): Promise<ServiceAccountInfo | undefined>;
  /** `value: null` removes the annotation. Strategic-merge patch; a no-op when already so. */
  setServiceAccountAnnotation(
    cluster: string,
    namespace: string,
    name: string,
    key: string,
    value: string | null,
  ): Promise<void>;
  /** Deployments, StatefulSets and DaemonSets in `namespace` whose pod template uses the service account. */
  listWorkloads(cluster: string, namespace: string, serviceAccount: string): Promise<WorkloadInfo[]>;
  /** Sets the pod template's `kubectl.kubernetes.io/restartedAt` to `restartedAt`, as `kubectl rollout restart`. */
  restartWorkload(cluster: string, ref: WorkloadRef, restartedAt: string): Promise<void>;
  getWorkloadStatus(cluster: string, ref: WorkloadRef): Promise<WorkloadStatus>;
  /** Pods in `namespace` that run as the service account, with their node's labels. */
  listPods(cluster: string, namespace: string, serviceAccount: string): Promise<PodInfo[]>;
  /** Undefined when it does not exist. */
  getDaemonSet(cluster: string, namespace: string, name: string): Promise<DaemonSetInfo | undefined>;
  exec(cluster: string, namespace: string, pod: string, container: string, command: string[]): Promise<ExecResult>;
}

export type { WorkloadKind };
