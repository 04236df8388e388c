import { ApplicationFailure, isCancellation, log, patched, workflowInfo } from '@temporalio/workflow';
import type { CredentialsCheck, CredentialsRequest } from '../../activities/restart-verify.js';
import type { CredentialExpectation } from '../../activities/types.js';
import type { WorkloadRef } from '../../src/domain/types.js';
import { runKeyOf } from '../../src/domain/verification-pod.js';
import {
  activities,
  API_CALL,
  FEWER_ROUND_TRIPS_PATCH,
  OVERLAPPED_CALLS_PATCH,
  PROBE_POD,
  SWEEP_PODS,
} from '../activity-options.js';
import type { MigrationRun, StepOutcome } from './run.js';

/**
 * Runs started before verification pods replay without them: no pod, no sweeps, the in-pod
 * probe alone (as `--verify-with exec`). README, "Changing workflow code safely".
 */
export const VERIFICATION_POD_PATCH = 'verification-pod';
/** Runs started before the restart check replay without its step after each soak. */
export const RECHECK_PATCH = 'restart-recheck';

/** How this run checks the caller identity: `exec` for a run that started before verification pods. */
function verifyMode(run: MigrationRun) {
  return patched(VERIFICATION_POD_PATCH) ? (run.options.verifyWith ?? 'both') : 'exec';
}

export function recheckEnabled(): boolean {
  return patched(RECHECK_PATCH);
}

/** The label every verification pod of this run carries: the same on every replay and every worker. */
export function runKey(): string {
  const { workflowId, firstExecutionRunId } = workflowInfo();
  return runKeyOf(workflowId, firstExecutionRunId);
}

/**
 * What `verifyCredentials` is asked for a check, and how the check is made: verification pods
 * prove Pod Identity; a check of the IRSA path stays the in-pod one.
 */
export function credentialsRequest(
  run: MigrationRun,
  expect: CredentialExpectation,
  newPodsOnly = false,
): { mode: ReturnType<typeof verifyMode>; request: CredentialsRequest } {
  const mode = expect === 'pod-identity' ? verifyMode(run) : 'exec';
  const inPodProbe = newPodsOnly ? mode === 'exec' : mode !== 'pod';
  const target = run.options.targetRoleArn;
  return {
    mode,
    request: {
      roleArn: run.input.roleArn,
      ...(target !== undefined && { targetRoleArn: target }),
      expect,
      verifyCommand: run.options.verifyCommand,
      ...(inPodProbe ? {} : { inPodProbe: false }),
    },
  };
}

/** The check `restartAwaitAndVerify` made: its answer, or its failure thrown as the activity would have thrown it. */
function answerOf(done: CredentialsCheck) {
  if ('passed' in done) return done.passed;
  throw ApplicationFailure.create({ type: done.failed.type, message: done.failed.message, nonRetryable: true });
}

/**
 * The credentials check of a verify step: every running pod of the restarted workloads on
 * the expected path (always), the in-pod probe (`exec`, `both`) and, on Pod Identity, a
 * verification pod (`pod`, `both`) whose caller identity must be the role (or the target
 * role) with an `eks-<cluster>-` session. The restart check (`newPodsOnly`) asks whether pods
 * created now still get valid credentials: the verification pod is such a pod, so the app's
 * pods are probed there only with `exec`.
 */
export async function checkCredentials(
  run: MigrationRun,
  cluster: string,
  expect: CredentialExpectation,
  workloads?: WorkloadRef[],
  newPodsOnly = false,
  done?: CredentialsCheck,
): Promise<StepOutcome<void>> {
  const { mode, request } = credentialsRequest(run, expect, newPodsOnly);
  const env = done
    ? answerOf(done)
    : await activities(API_CALL, `verify ${expect} credentials in ${cluster}`).verifyCredentials({
        cluster,
        serviceAccount: run.serviceAccount,
        ...request,
        ...(workloads === undefined ? {} : { workloads }),
      });
  if (mode === 'exec') return env;
  // A worker with no verification pod configured would skip it: no round trip for that.
  if (env.noVerificationPod && patched(FEWER_ROUND_TRIPS_PATCH)) return { detail: env.detail, warnings: env.warnings };
  await run.sweepsDone();
  const target = run.options.targetRoleArn;
  const pod = await activities(PROBE_POD, `verification pod in ${cluster}`).runVerificationPod({
    cluster,
    serviceAccount: run.serviceAccount,
    roleArn: run.input.roleArn,
    ...(target !== undefined && { targetRoleArn: target }),
    expect,
    runKey: runKey(),
    workflowId: workflowInfo().workflowId,
    ...(workloads === undefined ? {} : { workloads }),
  });
  // No verification pod configured on the worker: the step reads as the in-pod check alone.
  const detail = pod.detail === '' ? env.detail : `${env.detail}; ${pod.detail}`;
  return { detail, warnings: [...env.warnings, ...pod.warnings] };
}

/**
 * Deletes whatever verification pods this run left in its clusters (a worker that died
 * while one ran): at the start of each phase, and after a rollback's compensations. Best
 * effort: a sweep that fails is logged, the fleet scan's sweep catches what is left. At a
 * phase's start (`beside`, OVERLAPPED_CALLS_PATCH) it runs beside the phase's first steps,
 * and the phase's first verification pod waits for it.
 */
export async function sweepVerificationPods(run: MigrationRun, beside?: 'beside'): Promise<void> {
  if (beside && patched(OVERLAPPED_CALLS_PATCH)) return run.sweepInBackground(sweepVerificationPods(run));
  if (verifyMode(run) === 'exec') return;
  const key = runKey();
  await Promise.all(
    run.input.clusters.map(async (cluster) => {
      try {
        const { deleted } = await activities(SWEEP_PODS, `sweep verification pods in ${cluster}`).sweepVerificationPods(
          {
            cluster,
            runKey: key,
            namespace: run.serviceAccount.namespace,
          },
        );
        if (deleted.length > 0) {
          run.state.warnings.push(
            `${cluster}: deleted verification pods left by a stopped worker: ${deleted.join(', ')}`,
          );
        }
      } catch (err) {
        if (isCancellation(err)) throw err;
        log.warn('verification pod sweep failed', { cluster, error: String(err) });
      }
    }),
  );
}
