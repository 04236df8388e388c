/**
 * Rollouts are computed lazily from the clock: every port call first advances the
 * simulation to "now", creating the replacement pods that would have been created
 * since the last call, each admitted by the webhook at its own creation time.
 * No timers, no background loops.
 */
import type { WorkloadStatus } from '../domain/kubernetes.js';
import {
  createPod,
  desiredPods,
  eligibleNodes,
  isLive,
  isReady,
  retirePod,
  revisionName,
  workloadPods,
} from './pods.js';
import type { ClusterState, PodState, RolloutState, WorkloadState } from './state.js';
import type { FleetView } from './view.js';

/** Takes a pod out at `at`, which it keeps: CloudTrail's ledger ends it then, not at the call that saw it go. */
function removePod(cluster: ClusterState, pod: PodState, at: number): void {
  pod.terminatingAt ??= at;
  cluster.pods = cluster.pods.filter((p) => p !== pod);
}

/** Creates the next replacement pod; StatefulSets and DaemonSets first take out the pod it replaces. */
function replaceNext(cluster: ClusterState, region: string, w: WorkloadState, r: RolloutState, at: number): void {
  const readyAfterMs = r.stuck ? null : r.podStartMs;
  if (w.kind === 'StatefulSet') {
    // Highest ordinal first; the new pod reuses the name once the old one is gone.
    const name = `${w.name}-${desiredPods(cluster, w) - 1 - r.created}`;
    for (const old of cluster.pods.filter((p) => p.namespace === w.namespace && p.name === name))
      removePod(cluster, old, at);
    createPod(cluster, region, w, { at, readyAfterMs, name });
  } else if (w.kind === 'DaemonSet') {
    const node = eligibleNodes(cluster, w)[r.created];
    for (const old of workloadPods(cluster, w).filter((p) => isLive(p) && p.nodeName === node?.name)) {
      retirePod(old, at, r.podStartMs);
    }
    createPod(cluster, region, w, { at, readyAfterMs, ...(node ? { nodeName: node.name } : {}) });
  } else {
    createPod(cluster, region, w, { at, readyAfterMs });
  }
  r.created += 1;
}

function retireOld(cluster: ClusterState, w: WorkloadState, at: number, graceMs: number, limit: number): void {
  const old = workloadPods(cluster, w)
    .filter((p) => isLive(p) && p.revision !== w.revision)
    .sort((a, b) => a.createdAt - b.createdAt);
  for (const pod of old.slice(0, limit)) retirePod(pod, at, graceMs);
}

/**
 * How many pods a rollout replaces. A StatefulSet with a partition updates only the
 * ordinals at or above it, highest first; the others keep the current revision even when
 * deleted ("Pods with an ordinal that is less than the partition will not be updated,
 * and, even if they are deleted, they will be recreated at the previous version",
 * kubernetes.io/docs/concepts/workloads/controllers/statefulset/#partitions).
 */
function podsToReplace(cluster: ClusterState, w: WorkloadState): number {
  const desired = desiredPods(cluster, w);
  return w.kind === 'StatefulSet' ? Math.max(0, desired - Math.max(0, w.partition ?? 0)) : desired;
}

export function advanceWorkload(cluster: ClusterState, region: string, w: WorkloadState, now: number): void {
  const r = w.rollout;
  if (r === undefined) return;
  const desired = podsToReplace(cluster, w);
  for (;;) {
    let at: number;
    if (r.created === 0) {
      if (r.startedAt > now) return;
      at = r.startedAt;
    } else {
      const latest = workloadPods(cluster, w)
        .filter((p) => p.revision === r.revision)
        .at(-1);
      if (latest === undefined || latest.readyAt === null || latest.readyAt > now) return;
      at = latest.readyAt;
      // maxSurge 1, maxUnavailable 0: an old pod goes as each new one becomes ready.
      if (w.kind === 'Deployment') retireOld(cluster, w, at, r.podStartMs, 1);
    }
    if (r.created >= desired) {
      if (w.kind === 'Deployment') retireOld(cluster, w, at, r.podStartMs, Number.POSITIVE_INFINITY);
      // The StatefulSet controller moves currentRevision only once every pod is updated.
      if (desired === desiredPods(cluster, w)) w.currentRevision = w.revision;
      delete w.rollout;
      return;
    }
    replaceNext(cluster, region, w, r, at);
  }
}

/**
 * `kubectl rollout restart`: a new template revision and a new rollout, superseding one in
 * progress. Under `OnDelete` the controllers create no pods for a template change ("the
 * StatefulSet controller will not automatically update the Pods in a StatefulSet. Users
 * must manually delete Pods", kubernetes.io/docs/concepts/workloads/controllers/statefulset/#on-delete;
 * likewise for DaemonSets, kubernetes.io/docs/tasks/manage-daemon/update-daemon-set/).
 */
export function startRollout(
  cluster: ClusterState,
  region: string,
  w: WorkloadState,
  rollout: { at: number; restartedAt: string; podStartMs: number; stuck: boolean },
): void {
  const previous = w.rollout;
  if (previous !== undefined) {
    // Pods of a superseded revision that are not ready yet are scaled away first.
    for (const pod of workloadPods(cluster, w)) {
      if (isLive(pod) && pod.revision === previous.revision && !isReady(pod, rollout.at)) {
        if (w.kind === 'StatefulSet') removePod(cluster, pod, rollout.at);
        else retirePod(pod, rollout.at, rollout.podStartMs);
      }
    }
  }
  w.restartedAt = rollout.restartedAt;
  w.generation += 1;
  w.observedGeneration = w.generation;
  w.revision += 1;
  delete w.rollout;
  if (w.updateStrategy === 'OnDelete') return;
  w.rollout = {
    revision: w.revision,
    startedAt: rollout.at,
    podStartMs: rollout.podStartMs,
    created: 0,
    stuck: rollout.stuck,
  };
  advanceWorkload(cluster, region, w, rollout.at);
}

/**
 * Brings one cluster to `now`: rollouts in progress move on, pods past their grace period
 * and deleted associations the webhook no longer sees are removed. Only what is due is read.
 */
export function advanceCluster(view: FleetView, name: string, now: number): void {
  const cluster = view.cluster(name);
  if (cluster === undefined) return;
  view.load(name, 'workloads', { dueBy: now });
  const rolling = cluster.workloads.filter((w) => w.rollout !== undefined);
  for (const w of rolling) view.loadSubject(name, w.namespace, w.serviceAccount);
  for (const w of rolling) advanceWorkload(cluster, view.state.region, w, now);
  view.load(name, 'pods', { dueBy: now });
  cluster.pods = cluster.pods.filter((p) => p.goneAt === undefined || p.goneAt > now);
  view.load(name, 'associations', { dueBy: now });
  cluster.associations = cluster.associations.filter((a) => (a.forgetAt ?? a.hiddenFrom ?? Infinity) > now);
}

function deploymentConditions(w: WorkloadState, desired: number, ready: number): WorkloadStatus['conditions'] {
  const replicaSet = `ReplicaSet "${w.name}-${revisionName(w, w.revision)}"`;
  const available =
    ready >= desired
      ? {
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
        }
      : {
          type: 'Available',
          status: 'False',
          reason: 'MinimumReplicasUnavailable',
          message: 'Deployment does not have minimum availability.',
        };
  // The deployment controller flips Progressing to ProgressDeadlineExceeded only after
  // progressDeadlineSeconds (default 600) without progress (kubernetes.io/docs/concepts/workloads/controllers/deployment/#failed-deployment);
  // the sandbox reports it at once, sooner than reality. StatefulSets and DaemonSets have no
  // such deadline: a stuck one just never finishes.
  const progressing =
    w.rollout?.stuck === true
      ? { status: 'False', reason: 'ProgressDeadlineExceeded', message: `${replicaSet} has timed out progressing.` }
      : w.rollout !== undefined
        ? { status: 'True', reason: 'ReplicaSetUpdated', message: `${replicaSet} is progressing.` }
        : { status: 'True', reason: 'NewReplicaSetAvailable', message: `${replicaSet} has successfully progressed.` };
  return [available, { type: 'Progressing', ...progressing }];
}

/** The fields `kubectl rollout status` reads, as the controllers would report them now. */
export function workloadStatus(cluster: ClusterState, w: WorkloadState, now: number): WorkloadStatus {
  const pods = workloadPods(cluster, w).filter(isLive);
  const ready = pods.filter((p) => isReady(p, now)).length;
  const desired = desiredPods(cluster, w);
  return {
    ref: { kind: w.kind, namespace: w.namespace, name: w.name },
    generation: w.generation,
    observedGeneration: w.observedGeneration,
    desiredReplicas: desired,
    currentReplicas: pods.length,
    updatedReplicas: pods.filter((p) => p.revision === w.revision).length,
    availableReplicas: ready,
    readyReplicas: ready,
    updateStrategy: w.updateStrategy,
    ...(w.kind === 'StatefulSet'
      ? {
          currentRevision: `${w.name}-${revisionName(w, w.currentRevision)}`,
          updateRevision: `${w.name}-${revisionName(w, w.revision)}`,
          ...(w.partition === undefined ? {} : { partition: w.partition }),
        }
      : {}),
    conditions: w.kind === 'Deployment' ? deploymentConditions(w, desired, ready) : [],
    ...(w.restartedAt === undefined ? {} : { restartedAt: w.restartedAt }),
  };
}
