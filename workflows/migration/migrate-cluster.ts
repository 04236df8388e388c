import { patched, workflowInfo } from '@temporalio/workflow';
import type { ClusterPreflight, CredentialExpectation } from '../../activities/types.js';
import { FailureType } from '../../src/domain/failure-types.js';
import type { WorkloadRef } from '../../src/domain/types.js';
import type { CredentialsCheck } from '../../activities/restart-verify.js';
import {
  activities,
  API_CALL,
  LONG_WAIT,
  OVERLAPPED_CALLS_PATCH,
  RESTART_AND_VERIFY_PATCH,
  RESTART_AND_WAIT,
} from '../activity-options.js';
import { clusterProgress, nowIso, rootFailure } from '../state.js';
import { evidenceEnabled, podIdentityEvidence } from './evidence.js';
import type { MigrationRun } from './run.js';
import { ensurePodIdentityTrust } from './trust.js';
import { checkCredentials, credentialsRequest, recheckEnabled, sweepVerificationPods } from './verification.js';

/** The clusters one at a time, in order, with a soak between one and the next. */
export async function migrateClusters(run: MigrationRun, preflight: ClusterPreflight[]): Promise<void> {
  const soakSeconds = run.options.soakSeconds;
  run.setPhase('Migrating');
  await sweepVerificationPods(run, 'beside');
  for (const [index, pf] of preflight.entries()) {
    await run.checkpoint();
    await migrateCluster(run, pf);
    const soak =
      index < preflight.length - 1 && soakSeconds > 0
        ? run.step(pf.cluster, 'soak', async () => {
            await run.wait(soakSeconds);
            return { detail: `soaked ${soakSeconds}s` };
          })
        : undefined;
    // CloudTrail evidence is looked up during the soak (after the last cluster, alone).
    const evidence = evidenceEnabled() ? podIdentityEvidence(run, pf.cluster) : undefined;
    await Promise.all([soak, evidence]);
    if (recheckEnabled()) await restartCheck(run, pf.cluster);
  }
}

/**
 * After the soak, before the gate ("pod restarts still get valid credentials"): one more
 * restart, and the pods it creates verified, as one step.
 */
async function restartCheck(run: MigrationRun, cluster: string): Promise<void> {
  await run.checkpoint();
  await run.step(cluster, 'recheck', async () => {
    const { restarted, detail, check } = await restartWorkloads(run, cluster, 'again', {
      expect: 'pod-identity',
      newPodsOnly: true,
    });
    const result = await checkCredentials(run, cluster, 'pod-identity', restarted, true, check);
    return { detail: `restarted again, ${detail}; ${result.detail}`, warnings: result.warnings };
  });
}

/** One cluster onto Pod Identity: association, propagation wait, restart, verification. IRSA stays as the fallback. */
export async function migrateCluster(run: MigrationRun, pf: ClusterPreflight): Promise<void> {
  const { cluster } = pf;
  const progress = clusterProgress(run.state, cluster);
  progress.status = 'migrating';
  const association = pf.plan.association;
  if (association.action === 'reuse') {
    progress.reusedAssociationId = association.existingId;
    run.skipStep(
      cluster,
      'create-association',
      `association ${association.existingId ?? ''} for this role already exists: reused`,
    );
  } else {
    await run.step(cluster, 'create-association', async () => {
      run.touch(cluster, 'associationAttempted');
      const { workflowId, firstExecutionRunId } = workflowInfo();
      const created = await activities(API_CALL, `create Pod Identity association in ${cluster}`).createAssociation({
        cluster,
        serviceAccount: run.serviceAccount,
        roleArn: run.input.roleArn,
        ...(run.options.disableSessionTags === true && { disableSessionTags: true }),
        ...(run.options.targetRoleArn !== undefined && { targetRoleArn: run.options.targetRoleArn }),
        idempotencyKey: `${workflowId}/${firstExecutionRunId}/${cluster}`,
        runTag: run.runTag,
      });
      if (created.created) progress.createdAssociationId = created.associationId;
      else progress.reusedAssociationId = created.associationId;
      return {
        detail: `association ${created.associationId} ${created.created ? 'created' : 'already existed (same role)'}`,
      };
    });
  }
  const consistencyWaitSeconds = run.options.consistencyWaitSeconds;
  await run.checkpoint();
  await run.step(cluster, 'consistency-wait', async () => {
    await run.wait(consistencyWaitSeconds);
    return { detail: `waited ${consistencyWaitSeconds}s for the association to propagate` };
  });
  await run.checkpoint();
  // Pods about to start on Pod Identity need the role's trust now, not as it was at the Trust phase.
  await ensurePodIdentityTrust(run).catch((err: unknown) => {
    run.recordFailure(err, { cluster, step: 'restart' });
    throw err;
  });
  await restartUntilOnPath(run, cluster, 'pod-identity');
  progress.status = 'migrated';
  run.refresh();
}

/**
 * Restart, then verify; while pods still come up on the old path (the association change
 * has not reached the webhook: "some pods may not immediately observe the change"), wait
 * again and restart again, within the run's consistency retry window, before calling it a
 * failure. Waits grow from the consistency wait, doubling, and never pass the window.
 */
export async function restartUntilOnPath(
  run: MigrationRun,
  cluster: string,
  expect: CredentialExpectation,
): Promise<void> {
  const window = run.retryWindowSeconds;
  const started = Date.now();
  let wait = Math.max(1, run.options.consistencyWaitSeconds);
  for (let attempt = 1; ; attempt += 1) {
    // Checked in the restart's activity (RESTART_AND_VERIFY_PATCH): no pause between the two.
    const { restarted, check } = patched(RESTART_AND_VERIFY_PATCH)
      ? await restartAndCheck(run, cluster, 'restart', expect)
      : { restarted: await restartAndWait(run, cluster, 'restart'), check: undefined };
    if (!check) await run.checkpoint();
    const done = await run.step(cluster, 'verify', async () => {
      try {
        return { ...(await checkCredentials(run, cluster, expect, restarted, false, check)), value: true };
      } catch (err) {
        const elapsed = Math.round((Date.now() - started) / 1000);
        const stale = await podsOnOtherPath(run, cluster, expect, err);
        if (stale.length === 0 || elapsed + wait > window) throw err;
        return {
          detail: `${stale.length} pod(s) still on ${expect === 'pod-identity' ? 'IRSA' : 'Pod Identity'} (${stale.join(', ')}): the association change has not reached the webhook yet; retry ${attempt} after ${wait}s (${elapsed}s of the ${window}s retry window used)`,
          retried: true,
          value: false,
        };
      }
    });
    if (done) return;
    await run.step(cluster, 'consistency-retry', async () => {
      await run.wait(wait);
      return { detail: `waited ${wait}s more for the association change to propagate` };
    });
    await run.checkpoint();
    wait = Math.min(wait * 2, Math.max(1, window - Math.round((Date.now() - started) / 1000)));
  }
}

/**
 * After a failed verification: the pods that came up on the other path. Only a failed
 * check of the variables counts (a probe that cannot run is not propagation lag).
 */
export async function podsOnOtherPath(
  run: MigrationRun,
  cluster: string,
  expect: CredentialExpectation,
  err: unknown,
): Promise<string[]> {
  if (rootFailure(err).type !== FailureType.VerificationFailed) return [];
  const other = expect === 'pod-identity' ? 'irsa' : 'pod-identity';
  const { pods } = await activities(API_CALL, `read credential paths in ${cluster}`).credentialPaths({
    cluster,
    serviceAccount: run.serviceAccount,
  });
  return pods.filter((p) => p.path === other).map((p) => p.name);
}

/** Restarts the workloads that use the service account, then waits for their rollouts; returns them. */
export function restartAndWait(
  run: MigrationRun,
  cluster: string,
  name: 'restart' | 'cleanup-restart',
): Promise<WorkloadRef[] | undefined> {
  return run.step(cluster, name, async () => {
    const { restarted, detail } = await restartWorkloads(run, cluster);
    return { detail, value: restarted };
  });
}

/**
 * `restartAndWait`, with the credentials check `expect` asks for made in the same activity
 * once the rollouts are done (RESTART_AND_VERIFY_PATCH): its answer is for the verify step
 * that follows to record.
 */
export async function restartAndCheck(
  run: MigrationRun,
  cluster: string,
  name: 'restart' | 'cleanup-restart',
  expect: CredentialExpectation,
): Promise<{ restarted?: WorkloadRef[]; check?: CredentialsCheck }> {
  let check: CredentialsCheck | undefined;
  const restarted = await run.step(cluster, name, async () => {
    const done = await restartWorkloads(run, cluster, undefined, { expect });
    check = done.check;
    return { detail: done.detail, value: done.restarted };
  });
  return { restarted, check };
}

/**
 * Restarts the workloads that use the service account and waits for their rollouts: in one
 * activity (OVERLAPPED_CALLS_PATCH), with the credentials check `verify` asks for
 * (RESTART_AND_VERIFY_PATCH), or as the runs before them did, a restart and then a wait.
 */
async function restartWorkloads(
  run: MigrationRun,
  cluster: string,
  again?: 'again',
  verify?: { expect: CredentialExpectation; newPodsOnly?: boolean },
): Promise<{ restarted: WorkloadRef[]; detail: string; check?: CredentialsCheck }> {
  run.touch(cluster, 'restarted');
  const target = { cluster, serviceAccount: run.serviceAccount, restartedAt: nowIso() };
  const timeoutSeconds = run.options.rolloutTimeoutSeconds;
  // The rollouts take a while: what the run has to say goes out beside them.
  run.sendHeld();
  if (verify && patched(RESTART_AND_VERIFY_PATCH)) {
    const { request } = credentialsRequest(run, verify.expect, verify.newPodsOnly);
    return activities(
      RESTART_AND_WAIT,
      `restart workloads in ${cluster}${again ? ' again' : ''}, wait for their rollouts and verify ${verify.expect} credentials`,
    ).restartAwaitAndVerify({ ...target, timeoutSeconds, check: request });
  }
  if (patched(OVERLAPPED_CALLS_PATCH)) {
    return activities(
      RESTART_AND_WAIT,
      `restart workloads in ${cluster}${again ? ' again' : ''} and wait for their rollouts`,
    ).restartAndAwaitRollouts({ ...target, timeoutSeconds });
  }
  const { restarted } = await activities(
    API_CALL,
    `restart workloads in ${cluster}${again ? ' again' : ''}`,
  ).restartWorkloads(target);
  const { detail } = await activities(LONG_WAIT, `wait for rollouts in ${cluster}`).waitForRollouts({
    cluster,
    workloads: restarted,
    timeoutSeconds,
  });
  return { restarted, detail };
}

/** Every running pod of the restarted workloads on Pod Identity credentials, and one per workload answering as the role. */
export function verifyPodIdentity(
  run: MigrationRun,
  cluster: string,
  name: 'verify' | 'cleanup-verify',
  workloads?: WorkloadRef[],
  done?: CredentialsCheck,
) {
  return run.step(cluster, name, () => checkCredentials(run, cluster, 'pod-identity', workloads, false, done));
}
