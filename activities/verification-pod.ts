/**
 * The verification pod in one cluster: sweep what an earlier attempt of this run left,
 * create the pod on the workload's scheduling class, follow it (heartbeating) until it
 * finishes or its deadline passes, judge its caller identity, and delete it whatever
 * happened. A sweep activity removes the pods of a run, or any that outlived their deadline.
 */
import { Context } from '@temporalio/activity';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { FailureType } from '../src/domain/failure-types.js';
import type { WorkloadRef } from '../src/domain/types.js';
import {
  ALL_VERIFICATION_PODS,
  buildVerificationPod,
  isSweepable,
  judgeVerificationPod,
  notStartedMessage,
  PROBE_CONTAINER,
  runSelector,
  type PodRunStatus,
  type PodScheduling,
  type ProbeSettings,
  type VerificationFailure,
} from '../src/domain/verification-pod.js';
import { isPortError } from '../src/ports/errors.js';
import type { ActivityDeps } from './deps.js';
import { failure } from './failures.js';
import type { ClusterTarget, CredentialExpectation } from './types.js';

/** The wait for a pod that never got a kubelet (unschedulable) ends this long after its deadline. */
const PENDING_GRACE_SECONDS = 30;

/** Failures that say the probe could not run, not that credentials are wrong: recorded as warnings. */
const PROBE_UNAVAILABLE: readonly VerificationFailure[] = [
  'image-pull',
  'start-error',
  'deadline-exceeded',
  'not-started',
];

export interface ProbePodInput extends ClusterTarget {
  roleArn: string;
  /** Pod Identity chains to this role, so the pod runs as it (`--target-role`). */
  targetRoleArn?: string;
  expect: CredentialExpectation;
  /** `runKeyOf(workflowId, runId)`: the label the sweeps select on. */
  runKey: string;
  workflowId: string;
  /** The workloads whose scheduling class the pod takes (the first one's); default the service account's. */
  workloads?: WorkloadRef[];
}

export type ProbePodOutcome =
  | { state: 'skipped'; detail: string }
  | { state: 'verified'; pod: string; arn: string; detail: string; warnings: string[] }
  | { state: 'unavailable' | 'failed'; pod: string; failure: VerificationFailure; detail: string; warnings: string[] };

/** Heartbeats and cancellable sleeps inside an activity; plain sleeps when called directly (tests, diagnose). */
function pacing() {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    ctx = undefined;
  }
  return {
    heartbeat: (details: unknown) => ctx?.heartbeat(details),
    sleep: (ms: number) => (ctx ? ctx.sleep(ms) : sleep(ms)),
  };
}

async function schedulingFor(deps: ActivityDeps, input: ProbePodInput): Promise<PodScheduling> {
  const { cluster, serviceAccount: sa } = input;
  const first = input.workloads?.[0] ?? (await deps.kubernetes.listWorkloads(cluster, sa.namespace, sa.name))[0]?.ref;
  if (first === undefined) return { nodeSelector: {}, tolerations: [] };
  try {
    return await deps.kubernetes.getPodScheduling(cluster, first);
  } catch (err) {
    if (isPortError(err, 'not-found')) return { nodeSelector: {}, tolerations: [] };
    throw err;
  }
}

/** Deletes the pods a sweep selects; returns their `namespace/name`. A failed delete is left for the next sweep. */
async function deleteSweepable(
  deps: ActivityDeps,
  cluster: string,
  options: { runKey?: string; namespace?: string },
): Promise<{ deleted: string[]; failed: string[] }> {
  const selector = options.runKey === undefined ? { ...ALL_VERIFICATION_PODS } : runSelector(options.runKey);
  const pods = await deps.kubernetes.listPodsWithLabels(cluster, selector, options.namespace);
  const now = Date.now();
  const deleted: string[] = [];
  const failed: string[] = [];
  for (const pod of pods.filter((p) => isSweepable(p, now, options.runKey))) {
    try {
      await deps.kubernetes.deletePod(cluster, pod.namespace, pod.name);
      deleted.push(`${pod.namespace}/${pod.name}`);
    } catch (err) {
      failed.push(`${pod.namespace}/${pod.name}: ${(err as Error).message}`);
    }
  }
  return { deleted, failed };
}

/**
 * Runs one verification pod and reports what it proved; never leaves it behind. Credential
 * problems come back as `failed`, a probe that could not run as `unavailable`; API errors
 * are thrown (the activity retry policy decides).
 */
export async function runProbePod(deps: ActivityDeps, input: ProbePodInput): Promise<ProbePodOutcome> {
  const probe: ProbeSettings | undefined = deps.verificationProbe;
  if (probe === undefined) return { state: 'skipped', detail: 'no verification pod (none configured)' };
  const { cluster, serviceAccount: sa } = input;
  const k8s = deps.kubernetes;
  const pace = pacing();
  const swept = await deleteSweepable(deps, cluster, { runKey: input.runKey, namespace: sa.namespace });
  const spec = buildVerificationPod({
    runKey: input.runKey,
    workflowId: input.workflowId,
    serviceAccount: sa,
    probe,
    scheduling: await schedulingFor(deps, input),
    suffix: randomBytes(3).toString('hex'),
    now: new Date().toISOString(),
  });
  const warnings = swept.deleted.map(
    (p) => `${cluster}: deleted verification pod ${p} left by an earlier attempt of this run`,
  );
  const expected = {
    roleArn: input.roleArn,
    ...(input.targetRoleArn !== undefined && { targetRoleArn: input.targetRoleArn }),
    cluster,
    eksClusterName: deps.eksClusterName?.(cluster),
  };
  const pollMs = deps.verificationPollMs ?? 1000;
  const waitUntil = Date.now() + (probe.deadlineSeconds + PENDING_GRACE_SECONDS) * 1000;
  await k8s.createPod(cluster, spec);
  const name = `${spec.namespace}/${spec.name}`;
  try {
    let last: PodRunStatus | undefined;
    for (;;) {
      last = await k8s.getPod(cluster, spec.namespace, spec.name);
      if (last === undefined) break;
      const finished = last.phase === 'Succeeded' || last.phase === 'Failed' || last.container?.state === 'terminated';
      const log = finished ? await readLog(deps, cluster, spec.namespace, spec.name) : undefined;
      const verdict = judgeVerificationPod(last, log, input.expect, expected);
      if (verdict.state === 'verified') {
        return {
          state: 'verified',
          pod: name,
          arn: verdict.identity.arn,
          detail: `verification pod ${spec.name}: caller identity ${verdict.identity.arn}`,
          warnings,
        };
      }
      if (verdict.state === 'failed') {
        return {
          state: PROBE_UNAVAILABLE.includes(verdict.failure) ? 'unavailable' : 'failed',
          pod: name,
          failure: verdict.failure,
          detail: `verification pod ${spec.name}: ${verdict.message}`,
          warnings,
        };
      }
      if (Date.now() > waitUntil) break;
      pace.heartbeat({ pod: name, waiting: verdict.note });
      await pace.sleep(pollMs);
    }
    return {
      state: 'unavailable',
      pod: name,
      failure: 'not-started',
      detail: `verification pod ${spec.name}: ${notStartedMessage(last, probe.deadlineSeconds + PENDING_GRACE_SECONDS)}`,
      warnings,
    };
  } finally {
    // Also when cancelled or failed: a pod left behind is a bare pod running as the service account.
    await k8s.deletePod(cluster, spec.namespace, spec.name).catch((err: unknown) => {
      warnings.push(
        `${cluster}: could not delete verification pod ${name} (${(err as Error).message}); the next sweep removes it`,
      );
    });
  }
}

/** A container that never started has no log to give: the API answers 400, which reads as empty. */
async function readLog(deps: ActivityDeps, cluster: string, namespace: string, name: string): Promise<string> {
  try {
    return await deps.kubernetes.readPodLog(cluster, namespace, name, PROBE_CONTAINER);
  } catch (err) {
    if (isPortError(err, 'validation') || isPortError(err, 'not-found')) return '';
    throw err;
  }
}

export function verificationPodActivities(deps: ActivityDeps) {
  return {
    /**
     * The verification pod of a migration step: its caller identity must be the role, through
     * `expect`. Wrong credentials fail verification (no retry: rollback); a probe that could
     * not run (no image, no binary, no node) is a recorded warning, like the in-pod probe's.
     */
    async runVerificationPod(input: ProbePodInput): Promise<{ detail: string; warnings: string[] }> {
      const outcome = await runProbePod(deps, input);
      switch (outcome.state) {
        case 'skipped':
          return { detail: '', warnings: [] };
        case 'verified':
          return { detail: outcome.detail, warnings: outcome.warnings };
        case 'unavailable':
          return {
            detail: `verification pod could not run`,
            warnings: [...outcome.warnings, `${input.cluster}: ${outcome.detail}: caller identity not verified by it`],
          };
        case 'failed':
          throw failure(FailureType.VerificationFailed, `${input.cluster}: ${outcome.detail}`);
      }
    },

    /**
     * Deletes verification pods: a run's own (`runKey`: at the start of each phase, whatever
     * an earlier worker left) or, without one, any whose deadline and grace have passed (the
     * fleet scan). Never fails on a single pod: what it could not delete is reported.
     */
    async sweepVerificationPods(input: {
      cluster: string;
      runKey?: string;
      namespace?: string;
    }): Promise<{ deleted: string[]; failed: string[] }> {
      return deleteSweepable(deps, input.cluster, input);
    },
  };
}
