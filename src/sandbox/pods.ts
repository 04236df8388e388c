import type { PodController, PodInfo } from '../domain/kubernetes.js';
import { newUid, podSuffix, templateHash } from './ids.js';
import type { ClusterState, NodeState, PodState, WorkloadState } from './state.js';
import { sameRef } from './state.js';
import { admitPod } from './webhook.js';

export const FARGATE_LABEL = 'eks.amazonaws.com/compute-type';
export const FARGATE_PROFILE_LABEL = 'eks.amazonaws.com/fargate-profile';

function matches(labels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

export function isFargateNode(node: NodeState): boolean {
  return node.labels[FARGATE_LABEL] === 'fargate';
}

/** Nodes a DaemonSet (or an unprofiled pod) can land on: EC2 nodes matching the selector. */
export function eligibleNodes(cluster: ClusterState, workload: WorkloadState): NodeState[] {
  return cluster.nodes
    .filter((n) => !isFargateNode(n) && matches(n.labels, workload.nodeSelector))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function fargateProfileFor(cluster: ClusterState, namespace: string, labels: Record<string, string>) {
  return cluster.fargateProfiles.find((p) =>
    p.selectors.some((s) => s.namespace === namespace && matches(labels, s.labels ?? {})),
  );
}

export function isLive(pod: PodState): boolean {
  return pod.terminatingAt === undefined;
}

export function isReady(pod: PodState, now: number): boolean {
  return pod.readyAt !== null && pod.readyAt <= now;
}

export function workloadPods(cluster: ClusterState, workload: WorkloadState): PodState[] {
  return cluster.pods.filter((p) => sameRef(p.owner, workload));
}

export function desiredPods(cluster: ClusterState, workload: WorkloadState): number {
  return workload.kind === 'DaemonSet' ? eligibleNodes(cluster, workload).length : workload.replicas;
}

/** Spreads pods like the default scheduler would, roughly: the matching node with the fewest of them. */
function scheduleOn(cluster: ClusterState, workload: WorkloadState): NodeState | undefined {
  const profile = fargateProfileFor(cluster, workload.namespace, workload.labels);
  const candidates =
    profile === undefined ? eligibleNodes(cluster, workload) : cluster.nodes.filter((n) => isFargateNode(n));
  const load = (node: NodeState) =>
    workloadPods(cluster, workload).filter((p) => isLive(p) && p.nodeName === node.name).length;
  return [...candidates].sort((a, b) => load(a) - load(b) || a.name.localeCompare(b.name))[0];
}

export function revisionName(workload: WorkloadState, revision: number): string {
  return templateHash(`${workload.namespace}/${workload.name}/${revision}`);
}

export interface NewPod {
  at: number;
  readyAfterMs: number | null;
  /** StatefulSet ordinal name or DaemonSet node; otherwise generated. */
  name?: string;
  nodeName?: string;
}

/** Creates a pod of the workload's current template, admitted by the webhook at `at`. */
export function createPod(cluster: ClusterState, region: string, workload: WorkloadState, spec: NewPod): PodState {
  const node =
    spec.nodeName === undefined ? scheduleOn(cluster, workload) : cluster.nodes.find((n) => n.name === spec.nodeName);
  const hash = revisionName(workload, workload.revision);
  const name =
    spec.name ??
    (workload.kind === 'Deployment' ? `${workload.name}-${hash}-${podSuffix()}` : `${workload.name}-${podSuffix()}`);
  const profile =
    node && isFargateNode(node) ? fargateProfileFor(cluster, workload.namespace, workload.labels) : undefined;
  const admission = admitPod(
    cluster,
    region,
    workload.namespace,
    workload.serviceAccount,
    workload.containers,
    spec.at,
  );
  const pod: PodState = {
    namespace: workload.namespace,
    name,
    uid: newUid(),
    serviceAccount: workload.serviceAccount,
    labels: {
      ...workload.labels,
      ...(workload.kind === 'Deployment' ? { 'pod-template-hash': hash } : { 'controller-revision-hash': hash }),
      ...(profile ? { [FARGATE_PROFILE_LABEL]: profile.name } : {}),
    },
    owner: { kind: workload.kind, namespace: workload.namespace, name: workload.name },
    revision: workload.revision,
    createdAt: spec.at,
    readyAt: spec.readyAfterMs === null ? null : spec.at + spec.readyAfterMs,
    containers: admission.containers,
    ...(node ? { nodeName: node.name } : {}),
    ...(admission.podIdentityRoleArn ? { podIdentityRoleArn: admission.podIdentityRoleArn } : {}),
  };
  cluster.pods.push(pod);
  return pod;
}

/** Marks a pod for deletion; the API keeps listing it (terminating) for the grace period. */
export function retirePod(pod: PodState, at: number, graceMs: number): void {
  if (pod.terminatingAt !== undefined) return;
  pod.terminatingAt = at;
  pod.goneAt = at + graceMs;
}

/** What the adapter resolves: a workload's pods name it through `apps/v1`. */
function controllerOf(pod: PodState): PodController | undefined {
  if (pod.controller !== undefined) return { ...pod.controller };
  return pod.owner && { apiVersion: 'apps/v1', kind: pod.owner.kind, name: pod.owner.name };
}

/**
 * Whether the pod's containers are running, so the kubelet can exec in them. The kubelet
 * looks the container up among the runtime's *running* pods only (kubernetes/kubernetes
 * pkg/kubelet/kubelet_pods.go `findContainer`, `GetPods(ctx, false)`): a container not yet
 * started (the sandbox's Pending: scheduled, not ready, "one or more of the containers has
 * not been set up and made ready to run", kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase)
 * or one that has exited (Succeeded, Failed) is not found.
 */
export function containersRunning(pod: PodState, now: number): boolean {
  return pod.nodeName !== undefined && pod.finishedPhase === undefined && isReady(pod, now);
}

function phaseOf(pod: PodState, now: number): string {
  if (pod.finishedPhase !== undefined) return pod.finishedPhase;
  return pod.nodeName !== undefined && isReady(pod, now) ? 'Running' : 'Pending';
}

export function toPodInfo(cluster: ClusterState, pod: PodState, now: number): PodInfo {
  const node = cluster.nodes.find((n) => n.name === pod.nodeName);
  const ready = isLive(pod) && pod.finishedPhase === undefined && isReady(pod, now);
  const controller = controllerOf(pod);
  return {
    namespace: pod.namespace,
    name: pod.name,
    uid: pod.uid,
    serviceAccount: pod.serviceAccount,
    ...(pod.nodeName === undefined ? {} : { nodeName: pod.nodeName }),
    nodeLabels: { ...(node?.labels ?? {}) },
    labels: { ...pod.labels },
    phase: phaseOf(pod, now),
    ready,
    terminating: !isLive(pod),
    createdAt: new Date(pod.createdAt).toISOString(),
    ...(pod.owner ? { owner: { ...pod.owner } } : {}),
    ...(controller ? { controller } : {}),
    containers: pod.containers.map((c) => ({ name: c.name, image: c.image, env: { ...c.env } })),
  };
}
