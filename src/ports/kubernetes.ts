import type {
  DaemonSetInfo,
  ExecOutcome,
  JobInfo,
  PodInfo,
  ServiceAccountInfo,
  WorkloadInfo,
  WorkloadStatus,
} from '../domain/kubernetes.js';
import type { WorkloadRef } from '../domain/types.js';
import type { LabelledPod, PodRunStatus, PodScheduling, VerificationPodSpec } from '../domain/verification-pod.js';

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
  /** Pods in `namespace` that run as the service account, with their node's labels and controller. */
  listPods(cluster: string, namespace: string, serviceAccount: string): Promise<PodInfo[]>;
  /** Undefined when it does not exist. */
  getDaemonSet(cluster: string, namespace: string, name: string): Promise<DaemonSetInfo | undefined>;
  /**
   * Runs a command in a container. A command that exits (0 or not) is an `ExecResult`; one
   * the container runtime could not start (no such executable) is `ExecNotStarted`.
   */
  exec(cluster: string, namespace: string, pod: string, container: string, command: string[]): Promise<ExecOutcome>;

  // Fleet-wide reads: every object of the cluster, or of one namespace when `namespace` is
  // given. Adapters page through the API (limit/continue); the result is the whole list.

  /** Service accounts with their annotations. */
  listServiceAccounts(cluster: string, namespace?: string): Promise<ServiceAccountInfo[]>;
  /** Deployments, StatefulSets and DaemonSets, whatever service account their pod template runs as. */
  listAllWorkloads(cluster: string, namespace?: string): Promise<WorkloadInfo[]>;
  /** Pods, as `listPods` describes them (node labels, owner), whatever service account they run as. */
  listAllPods(cluster: string, namespace?: string): Promise<PodInfo[]>;
  /**
   * Jobs and CronJobs, with the service account their pod template runs as. The API has no
   * selector for that, so preflight too lists a namespace's and keeps its service account's.
   */
  listJobs(cluster: string, namespace?: string): Promise<JobInfo[]>;

  // Verification pods (`src/domain/verification-pod.ts`): short-lived pods this tool creates
  // itself, with the migrated service account, and always deletes again.

  /** Where a workload's pods may run (template nodeSelector and tolerations). Throws `not-found`. */
  getPodScheduling(cluster: string, ref: WorkloadRef): Promise<PodScheduling>;
  /** Creates exactly this pod (restartPolicy Never). Throws `conflict` when one of that name exists. */
  createPod(cluster: string, spec: VerificationPodSpec): Promise<void>;
  /** Phase, scheduling, the first container's state and admitted env; undefined when it is gone. */
  getPod(cluster: string, namespace: string, name: string): Promise<PodRunStatus | undefined>;
  /** The container's log (stdout and stderr, as the runtime keeps them). */
  readPodLog(cluster: string, namespace: string, name: string, container: string): Promise<string>;
  /** Deletes at once (no grace period); a pod already gone is no error. */
  deletePod(cluster: string, namespace: string, name: string): Promise<void>;
  /** Pods carrying every one of `labels`, in `namespace` (every namespace when undefined). */
  listPodsWithLabels(cluster: string, labels: Record<string, string>, namespace?: string): Promise<LabelledPod[]>;
}
