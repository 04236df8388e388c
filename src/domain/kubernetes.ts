/** What the Kubernetes API answers about service accounts, pods and workloads, as plain data. */
import type { WorkloadRef } from './types.js';

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
  /** `envFrom` sources: variables whose names and values are in a ConfigMap or Secret, unread. */
  envFrom?: EnvFromSource[];
}

export interface EnvFromSource {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  /** Prepended to every key of the source. */
  prefix?: string;
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
  /** The workload that owns the pod (through its ReplicaSet for Deployments), when it is one the migration restarts. */
  owner?: WorkloadRef;
  /**
   * The controller at the top of the pod's owner chain, whatever its kind: through a
   * ReplicaSet to its Deployment or Argo Rollout, through a Job to its CronJob. Undefined:
   * a bare pod, which nothing recreates.
   */
  controller?: PodController;
  containers: ContainerInfo[];
  /**
   * Container restarts since the pod started (`status.containerStatuses[].restartCount`,
   * summed over its containers); absent: none.
   */
  restarts?: number;
  /**
   * Why containers wait to run (`state.waiting.reason`: `CrashLoopBackOff` between restarts
   * of a container that keeps exiting, `ImagePullBackOff`, …); absent: none waits.
   */
  waitingReasons?: string[];
}

/** An owner reference with `controller: true`, resolved as far as the API lets us. */
export interface PodController {
  /** `apps/v1`, `batch/v1`, `argoproj.io/v1alpha1`, … */
  apiVersion: string;
  kind: string;
  name: string;
}

/** A Job or CronJob whose pod template runs as a service account. */
export interface JobInfo {
  kind: 'Job' | 'CronJob';
  namespace: string;
  name: string;
  serviceAccount: string;
  /** A Job a CronJob created names it here. */
  cronJob?: string;
  /** Job: pods running now. CronJob: Jobs running now. */
  active: number;
  /** Job: Complete or Failed. */
  finished?: boolean;
  /** CronJob: `spec.suspend`. */
  suspended?: boolean;
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
  /** `OnDelete` (StatefulSet/DaemonSet) or `Recreate` (Deployment); absent for `RollingUpdate`, the default. */
  updateStrategy?: string;
  /** StatefulSet rolling-update partition when above 0: ordinals below it are never updated by a rollout. */
  partition?: number;
}

export interface DaemonSetInfo {
  namespace: string;
  name: string;
  desiredNumberScheduled: number;
  numberReady: number;
}

/** A command that ran in the container, with its exit code and output. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The runtime could not start the command at all: on containerd (runc) a missing or
 * non-executable binary is no exit code but an error on the exec stream's status channel
 * (see `src/adapters/kubernetes/exec.ts`). `message` is the API server's, as received.
 */
export interface ExecNotStarted {
  notStarted: 'executable-not-found';
  message: string;
}

export type ExecOutcome = ExecResult | ExecNotStarted;

export function isExecNotStarted(outcome: ExecOutcome): outcome is ExecNotStarted {
  return 'notStarted' in outcome;
}
