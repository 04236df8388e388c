/**
 * The verification pod: a short-lived pod with the migrated service account, in its
 * namespace, on its workload's scheduling class, running a probe image that prints the
 * caller identity. The EKS Pod Identity webhook injects credentials into it at creation as
 * into any pod of that service account, so its answer proves the association, the role's
 * trust and the agent for that service account on that cluster, whatever the app image holds.
 * Every one carries the run's labels, so a sweep finds those a dead worker left behind.
 */
import { checkCallerIdentity, credentialPath, parseCallerIdentityOutput } from './credentials.js';
import { redactSecrets, shownOutput } from './redact.js';
import type { CallerIdentity, ExpectedIdentity } from './credentials.js';
import type { ServiceAccountRef } from './types.js';

/** Every verification pod carries `<this>: "true"`. */
export const VERIFICATION_POD_LABEL = 'migrate-identity.io/verification-pod';
/** The run that created it (`runKeyOf`): the sweep at each phase start deletes its own. */
export const VERIFICATION_RUN_LABEL = 'migrate-identity.io/run';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'migrate-identity';
/** When a sweep may delete it whatever run made it: creation + deadline + grace, ISO 8601. */
export const EXPIRES_AT_ANNOTATION = 'migrate-identity.io/expires-at';
export const WORKFLOW_ID_ANNOTATION = 'migrate-identity.io/workflow-id';
export const PROBE_CONTAINER = 'probe';

/** What the verification pod runs: a named image and the command that prints the caller identity. */
export interface ProbeSettings {
  image: string;
  command: string[];
  /** `activeDeadlineSeconds`: the kubelet kills it past this; the wait for it ends a little later. */
  deadlineSeconds: number;
}

/**
 * The AWS CLI image (its entrypoint is `aws`); 2.15.0 is the first CLI v2 with Pod Identity
 * (EKS User Guide, "Use pod identity with the AWS SDK"). Pinned, so every cluster pulls the same.
 */
export const DEFAULT_PROBE: ProbeSettings = {
  image: 'public.ecr.aws/aws-cli/aws-cli:2.22.0',
  command: ['aws', 'sts', 'get-caller-identity', '--output', 'json'],
  deadlineSeconds: 120,
};

/** How long past its deadline a pod may stay before any sweep deletes it. */
export const EXPIRY_GRACE_SECONDS = 300;

export interface PodToleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/** Where the workload's pods may run: the probe goes to the same class of nodes. */
export interface PodScheduling {
  nodeSelector: Record<string, string>;
  tolerations: PodToleration[];
}

/** What the adapter creates: exactly this, nothing added. */
export interface VerificationPodSpec {
  namespace: string;
  name: string;
  serviceAccount: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  image: string;
  command: string[];
  activeDeadlineSeconds: number;
  nodeSelector: Record<string, string>;
  tolerations: PodToleration[];
}

/** A container's state as the kubelet reports it. */
export interface ContainerRunState {
  state: 'waiting' | 'running' | 'terminated';
  /** `ErrImagePull`, `ImagePullBackOff`, `ContainerCreating`, `Completed`, `Error`, `StartError`, … */
  reason?: string;
  message?: string;
  exitCode?: number;
}

/** A pod as the verification reads it back: phase, scheduling, its container, the env it was admitted with. */
export interface PodRunStatus {
  namespace: string;
  name: string;
  /** `Pending`, `Running`, `Succeeded`, `Failed`, `Unknown`. */
  phase: string;
  /** Pod-level reason: `DeadlineExceeded`, `Evicted`, … */
  reason?: string;
  message?: string;
  nodeName?: string;
  /** The PodScheduled condition once the scheduler wrote one. */
  scheduled?: { status: string; reason?: string; message?: string };
  /** The probe container (the first one). */
  container?: ContainerRunState;
  /** The first container's literal env after admission: what the webhook injected. */
  env: Record<string, string>;
  labels: Record<string, string>;
  createdAt?: string;
}

/** A pod a label selector found: enough to sweep it. */
export interface LabelledPod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  createdAt?: string;
  phase: string;
}

/** FNV-1a, 64 bit, as hex: stable across processes and replays, no crypto needed. */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/** The run's label value: 16 hex characters of the workflow and run ids (label values stop at 63). */
export function runKeyOf(workflowId: string, runId: string): string {
  return fnv1a64(`${workflowId}/${runId}`);
}

/** `mi-verify-<run key>-<suffix>`: a DNS label, unique per attempt. */
export function verificationPodName(runKey: string, suffix: string): string {
  return `mi-verify-${runKey}-${suffix}`.toLowerCase().slice(0, 63);
}

/** The labels that select one run's verification pods (the sweep's selector). */
export function runSelector(runKey: string): Record<string, string> {
  return { [VERIFICATION_POD_LABEL]: 'true', [VERIFICATION_RUN_LABEL]: runKey };
}

/** The labels that select every verification pod. */
export const ALL_VERIFICATION_PODS: Readonly<Record<string, string>> = { [VERIFICATION_POD_LABEL]: 'true' };

export function isVerificationPod(pod: { labels: Record<string, string> }): boolean {
  return pod.labels[VERIFICATION_POD_LABEL] === 'true';
}

export function buildVerificationPod(input: {
  runKey: string;
  workflowId: string;
  serviceAccount: ServiceAccountRef;
  probe: ProbeSettings;
  scheduling: PodScheduling;
  suffix: string;
  /** ISO time of creation, for the expiry annotation. */
  now: string;
}): VerificationPodSpec {
  const { probe } = input;
  const expiresAt = new Date(Date.parse(input.now) + (probe.deadlineSeconds + EXPIRY_GRACE_SECONDS) * 1000);
  return {
    namespace: input.serviceAccount.namespace,
    name: verificationPodName(input.runKey, input.suffix),
    serviceAccount: input.serviceAccount.name,
    labels: { ...runSelector(input.runKey), [MANAGED_BY_LABEL]: MANAGED_BY },
    annotations: { [WORKFLOW_ID_ANNOTATION]: input.workflowId, [EXPIRES_AT_ANNOTATION]: expiresAt.toISOString() },
    image: probe.image,
    command: [...probe.command],
    activeDeadlineSeconds: probe.deadlineSeconds,
    nodeSelector: { ...input.scheduling.nodeSelector },
    tolerations: input.scheduling.tolerations.map((t) => ({ ...t })),
  };
}

/**
 * A sweep deletes a verification pod when its run asks (`runKey`) or when it has outlived
 * its deadline plus a grace, whoever made it: the run that would have deleted it is gone.
 */
export function isSweepable(pod: LabelledPod, now: number, runKey?: string): boolean {
  if (!isVerificationPod(pod)) return false;
  if (runKey !== undefined && pod.labels[VERIFICATION_RUN_LABEL] === runKey) return true;
  const expires = Date.parse(pod.annotations[EXPIRES_AT_ANNOTATION] ?? '');
  if (!Number.isNaN(expires)) return expires <= now;
  // No readable expiry: fall back on its age against the longest deadline we would set.
  const created = Date.parse(pod.createdAt ?? '');
  return !Number.isNaN(created) && created + (DEFAULT_PROBE.deadlineSeconds + EXPIRY_GRACE_SECONDS) * 1000 <= now;
}

/** Waiting reasons a kubelet reports when the image cannot be had: retrying will not change it. */
const IMAGE_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
/** Reasons the container could not be created or started (on containerd a missing binary is `StartError`). */
const START_REASONS = new Set([
  'StartError',
  'ContainerCannotRun',
  'CreateContainerError',
  'CreateContainerConfigError',
  'RunContainerError',
]);
/** What the AWS CLI and SDKs print when the credential chain or STS refuses. */
const CREDENTIAL_ERRORS =
  /Unable to locate credentials|Error when retrieving credentials|container-role|AccessDenied|InvalidClientTokenId|ExpiredToken|AssumeRoleForPodIdentity|AssumeRoleWithWebIdentity|security token/i;

export type VerificationFailure =
  | 'image-pull'
  | 'start-error'
  | 'deadline-exceeded'
  | 'unschedulable'
  | 'not-started'
  | 'not-injected'
  | 'credentials'
  | 'command-failed'
  | 'unreadable-output'
  | 'wrong-identity';

export type PodVerdict =
  | { state: 'waiting'; note: string }
  | { state: 'failed'; failure: VerificationFailure; message: string }
  | { state: 'verified'; identity: CallerIdentity; message: string };

function lastLines(text: string, count = 3): string {
  // Redacted before the cut, so a cut cannot hide a secret's start (as the in-pod probe's output).
  return shownOutput(redactSecrets(text).trim().split('\n').slice(-count).join(' '), 400);
}

/**
 * What the pod says so far. `log` is its container's log once it has finished; `expect`
 * which credentials it must hold. Not finished and nothing wrong yet: `waiting`.
 */
export function judgeVerificationPod(
  pod: PodRunStatus,
  log: string | undefined,
  expect: 'pod-identity' | 'irsa',
  identity: ExpectedIdentity,
): PodVerdict {
  const container = pod.container;
  // The verdict reaches Slack and the run's history: whatever the pod or kubelet said is redacted.
  const failed = (failure: VerificationFailure, message: string): PodVerdict => ({
    state: 'failed',
    failure,
    message: redactSecrets(message),
  });
  const injected = credentialPath(pod.env);
  if (injected !== expect) {
    return failed(
      'not-injected',
      `the webhook gave pod ${pod.name} ${injected === 'none' ? 'no AWS credentials' : `${injected} credentials`}, not ${expect}: ` +
        (expect === 'pod-identity'
          ? 'no association for this service account was visible when it was created'
          : 'an association is still visible, or the service account has no IRSA annotation'),
    );
  }
  if (pod.reason === 'DeadlineExceeded') {
    return failed('deadline-exceeded', `pod ${pod.name} ran past its deadline: ${pod.message ?? pod.reason}`);
  }
  if (container?.state === 'waiting' && container.reason && IMAGE_REASONS.has(container.reason)) {
    return failed(
      'image-pull',
      `probe image cannot be pulled (${container.reason}): ${container.message ?? ''}`.trim(),
    );
  }
  if (container?.reason && START_REASONS.has(container.reason)) {
    return failed('start-error', `probe could not start (${container.reason}): ${container.message ?? ''}`.trim());
  }
  if (pod.phase === 'Pending' && pod.scheduled?.status === 'False' && pod.scheduled.reason === 'Unschedulable') {
    // Not final (a node may come), so the caller decides when to give up; the reason is this.
    return { state: 'waiting', note: `unschedulable: ${pod.scheduled.message ?? ''}`.trim() };
  }
  const finished = pod.phase === 'Succeeded' || pod.phase === 'Failed' || container?.state === 'terminated';
  if (!finished) return { state: 'waiting', note: `${pod.phase}${container?.reason ? ` (${container.reason})` : ''}` };
  if (log === undefined) return { state: 'waiting', note: 'finished; reading its log' };
  const exitCode = container?.exitCode;
  if (pod.phase === 'Failed' || (exitCode !== undefined && exitCode !== 0)) {
    const detail = lastLines(log) || pod.message || container?.message || 'no output';
    const code = exitCode === undefined ? '' : ` exited ${exitCode}`;
    return CREDENTIAL_ERRORS.test(log)
      ? failed('credentials', `probe${code}: credentials refused: ${detail}`)
      : failed('command-failed', `probe${code}: ${detail}`);
  }
  const parsed = parseCallerIdentityOutput(log);
  if (!parsed) return failed('unreadable-output', `unreadable caller identity: ${shownOutput(log, 200)}`);
  const check = checkCallerIdentity(parsed.arn, identity, expect);
  if (!check.ok) return failed('wrong-identity', check.message);
  return { state: 'verified', identity: parsed, message: check.message };
}

/** The verdict when the wait ran out while the pod still waited: why it never ran. */
export function notStartedMessage(pod: PodRunStatus | undefined, waitedSeconds: number): string {
  if (pod === undefined) return `the pod disappeared before it finished (waited ${waitedSeconds}s)`;
  const note =
    pod.scheduled?.status === 'False'
      ? `${pod.scheduled.reason ?? 'unscheduled'}: ${pod.scheduled.message ?? ''}`.trim()
      : `${pod.phase}${pod.container?.reason ? ` (${pod.container.reason}${pod.container.message ? `: ${pod.container.message}` : ''})` : ''}`;
  return `pod ${pod.name} did not finish within ${waitedSeconds}s: ${note}`;
}
