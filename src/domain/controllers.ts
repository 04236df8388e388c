/**
 * Who manages the pods that run as a service account, and what a migration does with
 * each: restart it, leave it with a warning, or refuse to start. Credentials are injected
 * when a pod is created, so a pod nothing recreates keeps the credentials it was born with.
 */
import { credentialPath } from './credentials.js';
import type { JobInfo, PodController, PodInfo, WorkloadInfo } from './kubernetes.js';
import type { FindingSeverity, WorkloadRef } from './types.js';
import { isVerificationPod } from './verification-pod.js';

/** `restart`: rolled by the migration. `skip`: left alone, with a warning. `block`: preflight refuses. */
export type ControllerAction = 'restart' | 'skip' | 'block';

export interface ControllerReport {
  /** `Deployment`, `CronJob`, `Rollout`, …; `Pod` for a pod no controller owns. */
  kind: string;
  apiVersion: string;
  namespace: string;
  name: string;
  action: ControllerAction;
  /** Why, in a sentence that reads after `<kind> <namespace>/<name>: `. */
  reason: string;
  /** What to run by hand where the migration does not. */
  manual?: string;
  /** Its pods that run as the service account now (neither finished nor terminating). */
  pods: string[];
  /** For findings: a stable code and how much it matters (`restart` has none). */
  finding?: { code: string; severity: FindingSeverity };
}

export interface ControllerFacts {
  workloads: WorkloadInfo[];
  pods: PodInfo[];
  /** Jobs and CronJobs whose template runs as the service account; undefined when not read. */
  jobs?: JobInfo[];
  /** For the commands in the findings: the fleet's cluster name, its EKS name, the role. */
  cluster?: string;
  info?: { name: string };
  roleArn?: string;
  serviceAccount?: { namespace: string; name: string };
}

export interface ControllerOptions {
  /** The run keeps the role's IRSA trust, so pods left on IRSA keep working after cleanup. */
  keepIrsaTrust?: boolean;
}

const APPS = 'apps/v1';
const BATCH = 'batch/v1';
const RESTARTED = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** Pods that hold credentials now: a finished pod runs nothing, a terminating one is going. */
export function isLivePod(pod: PodInfo): boolean {
  return !pod.terminating && pod.phase !== 'Succeeded' && pod.phase !== 'Failed';
}

/** The pod's controller as the adapter resolved it; facts built before it did fall back on `owner`. */
export function podController(pod: PodInfo): PodController | undefined {
  return pod.controller ?? (pod.owner && { apiVersion: APPS, kind: pod.owner.kind, name: pod.owner.name });
}

const onPodIdentity = (pod: PodInfo) =>
  pod.containers.length > 0 && pod.containers.every((c) => credentialPath(c.env) === 'pod-identity');

/** Every controller of the service account's pods (and Jobs, CronJobs), in a stable order. */
export function serviceAccountControllers(facts: ControllerFacts, options: ControllerOptions = {}): ControllerReport[] {
  const reports = new Map<string, ControllerReport>();
  const key = (apiVersion: string, kind: string, namespace: string, name: string) =>
    `${apiVersion}|${kind}|${namespace}|${name}`;
  const add = (report: ControllerReport) => {
    const k = key(report.apiVersion, report.kind, report.namespace, report.name);
    const existing = reports.get(k);
    if (existing === undefined) reports.set(k, report);
    return existing ?? report;
  };

  for (const w of facts.workloads) add(workloadReport(w));
  for (const job of facts.jobs ?? []) {
    if (job.kind === 'Job' && job.cronJob !== undefined) continue;
    add(jobReport(job.kind, job.namespace, job.name, job));
  }

  // This tool's own verification pods are short-lived probes, not a controller of the service account.
  const live = facts.pods.filter((pod) => isLivePod(pod) && !isVerificationPod(pod));
  // Pods of one foreign controller are judged together: all already on Pod Identity or not.
  const foreign = new Map<string, PodInfo[]>();
  for (const pod of live) {
    const controller = podController(pod);
    if (controller === undefined) {
      add(barePodReport(pod, options)).pods.push(pod.name);
      continue;
    }
    const { apiVersion, kind, name } = controller;
    const known = reports.get(key(apiVersion, kind, pod.namespace, name));
    if (known) {
      known.pods.push(pod.name);
    } else if (apiVersion === APPS && RESTARTED.includes(kind)) {
      add(staleWorkloadReport(controller, pod.namespace)).pods.push(pod.name);
    } else if (apiVersion === BATCH && (kind === 'Job' || kind === 'CronJob')) {
      add(jobReport(kind, pod.namespace, name)).pods.push(pod.name);
    } else {
      const k = key(apiVersion, kind, pod.namespace, name);
      foreign.set(k, [...(foreign.get(k) ?? []), pod]);
    }
  }
  for (const pods of foreign.values()) {
    const first = pods[0];
    const controller = first && podController(first);
    if (!first || !controller) continue;
    const report = add(
      foreignReport(controller, first.namespace, pods.every(onPodIdentity), associationCommand(facts)),
    );
    report.pods.push(...pods.map((p) => p.name));
  }

  return [...reports.values()].sort(
    (a, b) =>
      ACTION_ORDER.indexOf(a.action) - ACTION_ORDER.indexOf(b.action) ||
      a.kind.localeCompare(b.kind) ||
      a.namespace.localeCompare(b.namespace) ||
      a.name.localeCompare(b.name),
  );
}

const ACTION_ORDER: ControllerAction[] = ['block', 'skip', 'restart'];

function workloadReport(w: WorkloadInfo): ControllerReport {
  const { kind, namespace, name } = w.ref;
  const base = { kind, apiVersion: APPS, namespace, name, pods: [] };
  const resource = kind.toLowerCase();
  const toRollingUpdate = `kubectl -n ${namespace} patch ${resource} ${name} --type merge -p '{"spec":{"updateStrategy":{"type":"RollingUpdate"}}}'`;
  if (kind !== 'Deployment' && w.updateStrategy === 'OnDelete') {
    // Under OnDelete a template change replaces no pod (kubernetes.io/docs/concepts/workloads/
    // controllers/statefulset/#on-delete; .../tasks/manage-daemon/update-daemon-set/), and
    // `kubectl rollout status` refuses it: the restart would never complete.
    return {
      ...base,
      action: 'block',
      finding: { code: 'update-strategy-on-delete', severity: 'blocking' },
      reason:
        'updateStrategy is OnDelete: a restart creates no new pod until each old one is deleted by hand, so its rollout never completes (the run would roll back)',
      manual: `switch it to RollingUpdate for the migration (${toRollingUpdate}) and back to OnDelete afterwards`,
    };
  }
  const partition = w.partition ?? 0;
  if (kind === 'StatefulSet' && partition > 0) {
    // kubernetes.io/docs/concepts/workloads/controllers/statefulset/#partitions: only ordinals
    // at or above the partition are updated; `kubectl rollout status` calls it done anyway.
    const kept = partition === 1 ? `${name}-0` : `${name}-0 to ${name}-${partition - 1}`;
    return {
      ...base,
      action: 'block',
      finding: { code: 'statefulset-partition', severity: 'blocking' },
      reason: `rollingUpdate.partition is ${partition}: a restart replaces only the pods with ordinal ${partition} and above, so ${kept} would keep their old credentials and fail verification (the run would roll back)`,
      manual: `set the partition to 0 for the migration (kubectl -n ${namespace} patch statefulset ${name} --type merge -p '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}') and back to ${partition} afterwards`,
    };
  }
  return { ...base, action: 'restart', reason: 'restarted by the migration (kubectl rollout restart)' };
}

function jobReport(kind: 'Job' | 'CronJob', namespace: string, name: string, job?: JobInfo): ControllerReport {
  const reason =
    kind === 'CronJob'
      ? `not restarted: each run's pods get their credentials when created, so runs after the switch use Pod Identity; a run in progress keeps IRSA until it ends${job?.suspended ? ' (suspended now)' : ''}`
      : `not restarted: its running pods keep IRSA until they finish, and a Job is not run again${job?.finished ? ' (finished)' : ''}`;
  return {
    kind,
    apiVersion: BATCH,
    namespace,
    name,
    action: 'skip',
    finding: { code: 'job-not-restarted', severity: 'warning' },
    reason,
    pods: [],
  };
}

/** `aws eks create-pod-identity-association …` for the run's cluster, service account and role. */
function associationCommand(facts: ControllerFacts): string {
  const cluster = facts.info?.name ?? facts.cluster ?? '<cluster>';
  const sa = facts.serviceAccount;
  return `aws eks create-pod-identity-association --cluster-name ${cluster} --namespace ${sa?.namespace ?? '<namespace>'} --service-account ${sa?.name ?? '<service-account>'} --role-arn ${facts.roleArn ?? '<role-arn>'}`;
}

function barePodReport(pod: PodInfo, options: ControllerOptions): ControllerReport {
  const base = { kind: 'Pod', apiVersion: 'v1', namespace: pod.namespace, name: pod.name, pods: [] };
  if (onPodIdentity(pod)) {
    return { ...base, action: 'skip', reason: 'no controller, but already on Pod Identity' };
  }
  if (options.keepIrsaTrust) {
    return {
      ...base,
      action: 'skip',
      finding: { code: 'bare-pod', severity: 'warning' },
      reason:
        'no controller recreates it, so it stays on IRSA; the run keeps the IRSA trust (--keep-irsa-trust), so it keeps working',
      manual: 'to move it to Pod Identity, create it again from its manifest once the migration is done',
    };
  }
  return {
    ...base,
    action: 'block',
    finding: { code: 'bare-pod', severity: 'blocking' },
    reason:
      'no controller recreates it, so it would stay on IRSA, and cleanup removes the IRSA trust it needs (--keep-irsa-trust keeps that trust)',
    manual: `delete it (kubectl -n ${pod.namespace} delete pod ${pod.name}) and create it again from its manifest once the migration is done, when it gets Pod Identity`,
  };
}

/**
 * A Deployment, StatefulSet or DaemonSet whose template no longer runs as the service
 * account: its pods here are left from an earlier revision, on their way out.
 */
function staleWorkloadReport(controller: PodController, namespace: string): ControllerReport {
  return {
    kind: controller.kind,
    apiVersion: APPS,
    namespace,
    name: controller.name,
    action: 'skip',
    reason:
      'its pod template runs as another service account now; these pods are left from an earlier revision and are not restarted',
    pods: [],
  };
}

function manualRestart(controller: PodController, namespace: string): string {
  const { apiVersion, kind, name } = controller;
  if (kind === 'Rollout' && apiVersion.startsWith('argoproj.io/')) {
    return `kubectl argo rollouts restart ${name} -n ${namespace}`;
  }
  if (kind === 'ReplicaSet' || kind === 'ReplicationController') {
    return `kubectl -n ${namespace} delete pod <each of its pods, one at a time>  # the ${kind} recreates them`;
  }
  return `restart it with its own tooling, or delete its pods one at a time so that it recreates them (kubectl -n ${namespace} delete pod <pod>)`;
}

function foreignReport(
  controller: PodController,
  namespace: string,
  migrated: boolean,
  createAssociation: string,
): ControllerReport {
  const base = {
    kind: controller.kind,
    apiVersion: controller.apiVersion,
    namespace,
    name: controller.name,
    pods: [],
  };
  if (migrated) return { ...base, action: 'skip', reason: 'not restarted by the migration; already on Pod Identity' };
  return {
    ...base,
    action: 'block',
    finding: { code: 'unmanaged-controller', severity: 'blocking' },
    reason: `manages pods that run as the service account, but the migration restarts only Deployments, StatefulSets and DaemonSets and cannot restart a ${controller.kind} safely: its pods would stay on IRSA`,
    manual: `create the association by hand (${createAssociation}), restart it (${manualRestart(controller, namespace)}), then run the migration again: it reuses the association, and pods already on Pod Identity do not block it`,
  };
}

export interface PodsToVerify {
  /** Running, not terminating, and owned by one of the restarted workloads. */
  verified: PodInfo[];
  /** Live pods of other controllers (or none): the run did not restart them. */
  others: PodInfo[];
  /** Pods left out for their state: terminating, pending, finished. */
  notRunning: PodInfo[];
}

/**
 * The pods a verification looks at: those the run's restart replaced, running now. A pod
 * on its way out (deletionTimestamp set) still has the old credentials by design, and the
 * pods of a Job, a bare pod or an Argo Rollout that share the service account were never
 * restarted: neither says anything about whether the switch worked.
 */
export function podsToVerify(pods: PodInfo[], restarted: WorkloadRef[]): PodsToVerify {
  const ours = (pod: PodInfo) =>
    pod.owner !== undefined &&
    restarted.some(
      (w) => w.kind === pod.owner?.kind && w.namespace === pod.owner.namespace && w.name === pod.owner.name,
    );
  const result: PodsToVerify = { verified: [], others: [], notRunning: [] };
  for (const pod of pods) {
    if (isVerificationPod(pod)) continue;
    if (pod.terminating || pod.phase !== 'Running') result.notRunning.push(pod);
    else if (ours(pod)) result.verified.push(pod);
    else result.others.push(pod);
  }
  return result;
}

/** `deployment/api`, `cronjob/nightly`, `pod/debug`: how a pod's controller reads in a message. */
export function controllerLabel(pod: PodInfo): string {
  const controller = podController(pod);
  return controller ? `${controller.kind.toLowerCase()}/${controller.name}` : `pod/${pod.name}`;
}
