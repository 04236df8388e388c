/**
 * Pods created through the port (verification pods), run the way a kubelet on containerd
 * runs a one-shot pod: admitted by the webhook at creation (so it gets the credentials
 * the association or the annotation decides then), scheduled like any pod (a Fargate
 * profile that selects it wins), its image pulled or not, its command run once, its
 * output kept as the container log. Settled lazily from the clock, like rollouts.
 */
import type { ContainerRunState, LabelledPod, PodRunStatus, VerificationPodSpec } from '../domain/verification-pod.js';
import { isExecNotStarted } from '../domain/kubernetes.js';
import { PortError } from '../ports/errors.js';
import { runCommand } from './exec.js';
import { newUid } from './ids.js';
import { fargateProfileFor, FARGATE_PROFILE_LABEL, isFargateNode } from './pods.js';
import type { ClusterState, ContainerSpec, NodeState, PodState, ProbeRun } from './state.js';
import type { FleetView } from './view.js';
import { admitPod } from './webhook.js';

/** Repositories of the official AWS CLI image (its entrypoint is `aws`). */
const AWS_CLI_REPOSITORIES = ['public.ecr.aws/aws-cli/aws-cli', 'amazon/aws-cli', 'docker.io/amazon/aws-cli'];
const BUSYBOX_REPOSITORIES = ['public.ecr.aws/docker/library/busybox', 'busybox', 'docker.io/library/busybox'];

const repositoryOf = (image: string) => image.replace(/@sha256:.*$/, '').replace(/:[^/:]+$/, '');

/**
 * What the nodes can pull: the AWS CLI and busybox images, and every image a workload of
 * this cluster or a pod of the probe's service account runs (with the CLI or not, as those
 * containers say). Anything else does not exist, and its pull fails as a kubelet's would.
 * The caller has loaded the cluster's workloads and the service account's pods.
 */
export function imageInRegistry(cluster: ClusterState, image: string): { pullable: boolean; awsCli: boolean } {
  const repository = repositoryOf(image);
  if (AWS_CLI_REPOSITORIES.includes(repository)) return { pullable: true, awsCli: true };
  if (BUSYBOX_REPOSITORIES.includes(repository)) return { pullable: true, awsCli: false };
  const containers = [...cluster.workloads.flatMap((w) => w.containers), ...cluster.pods.flatMap((p) => p.containers)];
  const known = containers.filter((c) => c.image === image);
  return { pullable: known.length > 0, awsCli: known.some((c) => c.awsCli) };
}

function matches(labels: Record<string, string>, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** The node the scheduler would bind it to, or why there is none (the scheduler's message). */
function schedule(cluster: ClusterState, spec: VerificationPodSpec): { node?: NodeState; unschedulable?: string } {
  // On EKS a Fargate profile that selects the pod's namespace and labels sends it to Fargate.
  if (fargateProfileFor(cluster, spec.namespace, spec.labels) !== undefined) {
    const fargate = cluster.nodes.find((n) => isFargateNode(n));
    return fargate ? { node: fargate } : { unschedulable: 'no Fargate capacity' };
  }
  const candidates = cluster.nodes
    .filter((n) => !isFargateNode(n) && matches(n.labels, spec.nodeSelector))
    .sort((a, b) => a.name.localeCompare(b.name));
  const node = candidates[0];
  if (node) return { node };
  const total = cluster.nodes.length;
  // kube-scheduler's FitError text (pkg/scheduler/framework/types.go).
  return {
    unschedulable: `0/${total} nodes are available: ${total} node(s) didn't match Pod's node affinity/selector. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`,
  };
}

function forbidden(message: string): PortError {
  return new PortError('access-denied', message, { code: 'Forbidden', httpStatus: 403 });
}

/**
 * Creates the pod as the API server and the webhook would. The caller has loaded the
 * service account's objects (`loadSubject`), any pod of that name, and the cluster's workloads.
 */
export function createProbePod(
  view: FleetView,
  cluster: ClusterState,
  spec: VerificationPodSpec,
  now: number,
  podStartMs: number,
  stuck: boolean,
): void {
  if (cluster.pods.some((p) => p.namespace === spec.namespace && p.name === spec.name)) {
    throw new PortError('conflict', `pods "${spec.name}" already exists`, { code: 'AlreadyExists', httpStatus: 409 });
  }
  // The ServiceAccount admission plugin runs before any webhook and refuses unknown accounts.
  if (!cluster.serviceAccounts.some((sa) => sa.namespace === spec.namespace && sa.name === spec.serviceAccount)) {
    throw forbidden(
      `pods "${spec.name}" is forbidden: error looking up service account ${spec.namespace}/${spec.serviceAccount}: serviceaccount "${spec.serviceAccount}" not found`,
    );
  }
  const image = imageInRegistry(cluster, spec.image);
  const container: ContainerSpec = { name: 'probe', image: spec.image, env: {}, awsCli: image.awsCli };
  const admission = admitPod(cluster, view.state.region, spec.namespace, spec.serviceAccount, [container], now);
  const placement = schedule(cluster, spec);
  const fargateProfile =
    placement.node && isFargateNode(placement.node)
      ? fargateProfileFor(cluster, spec.namespace, spec.labels)
      : undefined;
  const probe: ProbeRun = {
    image: spec.image,
    command: [...spec.command],
    activeDeadlineSeconds: spec.activeDeadlineSeconds,
    startsAt: now + podStartMs,
    pullable: image.pullable,
    awsCli: image.awsCli,
    stuck,
    ...(placement.unschedulable === undefined ? {} : { unschedulable: placement.unschedulable }),
  };
  const pod: PodState = {
    namespace: spec.namespace,
    name: spec.name,
    uid: newUid(),
    serviceAccount: spec.serviceAccount,
    labels: { ...spec.labels, ...(fargateProfile ? { [FARGATE_PROFILE_LABEL]: fargateProfile.name } : {}) },
    annotations: { ...spec.annotations },
    revision: 1,
    createdAt: now,
    // A one-shot pod is never Ready; its phase comes from `finishedPhase` once it ran.
    readyAt: null,
    containers: admission.containers,
    ...(placement.node ? { nodeName: placement.node.name } : {}),
    ...(admission.podIdentityRoleArn ? { podIdentityRoleArn: admission.podIdentityRoleArn } : {}),
    probe,
  };
  cluster.pods.push(pod);
}

/** The kubelet's deadline (pkg/kubelet/active_deadline.go), counted from the pod's start on its node. */
const DEADLINE_MESSAGE = 'Pod was active on the node longer than the specified deadline';

const deadlineOf = (pod: PodState, probe: ProbeRun) => pod.createdAt + probe.activeDeadlineSeconds * 1000;

/**
 * Runs the container once its start time has come: the command sees the pod's admitted env
 * and the agent, STS and trust as they are at that moment (`runCommand`). A binary the image
 * lacks is containerd's StartError, exit 128. A container that cannot start (no image, a
 * stuck pull) fails the pod at its deadline; an unbound pod has no kubelet to fail it.
 * The caller has loaded the associations of the pod's service account (the agent reads them).
 */
export function settleProbe(view: FleetView, cluster: ClusterState, pod: PodState, now: number): void {
  const probe = pod.probe;
  if (!probe || probe.result || pod.finishedPhase || pod.nodeName === undefined) return;
  const starts = probe.pullable && !probe.stuck && probe.startsAt < deadlineOf(pod, probe);
  if (starts && now >= probe.startsAt) {
    const container = pod.containers[0];
    if (!container) return;
    const outcome = runCommand({ view, cluster, pod, container, now: probe.startsAt }, probe.command);
    if (isExecNotStarted(outcome)) {
      probe.result = {
        exitCode: 128,
        log: '',
        startError: `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: "${probe.command[0] ?? ''}": executable file not found in $PATH: unknown`,
      };
    } else {
      probe.result = { exitCode: outcome.exitCode, log: `${outcome.stdout}${outcome.stderr}` };
    }
    pod.finishedPhase = probe.result.exitCode === 0 ? 'Succeeded' : 'Failed';
  } else if (now >= deadlineOf(pod, probe)) {
    pod.finishedPhase = 'Failed';
  }
}

function containerState(pod: PodState, probe: ProbeRun, now: number): ContainerRunState | undefined {
  if (pod.nodeName === undefined) return undefined;
  const result = probe.result;
  if (result?.startError !== undefined) {
    return { state: 'terminated', reason: 'StartError', exitCode: result.exitCode, message: result.startError };
  }
  if (result) {
    return { state: 'terminated', reason: result.exitCode === 0 ? 'Completed' : 'Error', exitCode: result.exitCode };
  }
  if (!probe.pullable && now >= probe.startsAt) {
    // kubelet images/image_manager.go: the first failure is ErrImagePull, later ones back off.
    const backingOff = now >= probe.startsAt + 10_000;
    return {
      state: 'waiting',
      reason: backingOff ? 'ImagePullBackOff' : 'ErrImagePull',
      message: backingOff
        ? `Back-off pulling image "${probe.image}"`
        : `failed to pull and unpack image "${probe.image}": failed to resolve reference "${probe.image}": not found`,
    };
  }
  return { state: 'waiting', reason: 'ContainerCreating' };
}

export function probePodStatus(pod: PodState, now: number): PodRunStatus {
  const probe = pod.probe;
  const deadline = probe !== undefined && !probe.result && pod.finishedPhase === 'Failed';
  const container = probe && !deadline ? containerState(pod, probe, now) : undefined;
  return {
    namespace: pod.namespace,
    name: pod.name,
    phase: pod.finishedPhase ?? 'Pending',
    ...(deadline ? { reason: 'DeadlineExceeded', message: DEADLINE_MESSAGE } : {}),
    ...(pod.nodeName ? { nodeName: pod.nodeName } : {}),
    scheduled:
      pod.nodeName !== undefined
        ? { status: 'True' }
        : { status: 'False', reason: 'Unschedulable', message: probe?.unschedulable ?? '' },
    ...(container ? { container } : {}),
    env: { ...pod.containers[0]?.env },
    labels: { ...pod.labels },
    createdAt: new Date(pod.createdAt).toISOString(),
  };
}

/** `kubectl logs`: the container's output once it ran; a container that never started has none to give. */
export function probePodLog(pod: PodState, container: string, now: number): string {
  if (pod.containers[0]?.name !== container) {
    throw new PortError('validation', `container ${container} is not valid for pod ${pod.name}`, {
      code: 'BadRequest',
      httpStatus: 400,
    });
  }
  const result = pod.probe?.result;
  if (result) return result.log;
  if (pod.probe === undefined) return '';
  const state = containerState(pod, pod.probe, now);
  throw new PortError(
    'validation',
    `container "${container}" in pod "${pod.name}" is waiting to start: ${state?.reason ?? 'ContainerCreating'}`,
    { code: 'BadRequest', httpStatus: 400 },
  );
}

export function toLabelledPod(pod: PodState): LabelledPod {
  return {
    namespace: pod.namespace,
    name: pod.name,
    labels: { ...pod.labels },
    annotations: { ...pod.annotations },
    createdAt: new Date(pod.createdAt).toISOString(),
    phase: pod.finishedPhase ?? (pod.nodeName !== undefined && pod.readyAt !== null ? 'Running' : 'Pending'),
  };
}
