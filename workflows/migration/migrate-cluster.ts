import { workflowInfo } from '@temporalio/workflow';
import type { ClusterPreflight } from '../../activities/types.js';
import type { WorkloadRef } from '../../src/domain/types.js';
import { activities, API_CALL, LONG_WAIT } from '../activity-options.js';
import { clusterProgress, nowIso } from '../state.js';
import type { MigrationRun } from './run.js';
import { checkPodIdentity, sweepVerificationPods } from './verification.js';

/** The clusters one at a time, in order, with a soak between one and the next. */
export async function migrateClusters(run: MigrationRun, preflight: ClusterPreflight[]): Promise<void> {
  const soakSeconds = run.options.soakSeconds;
  run.setPhase('Migrating');
  await sweepVerificationPods(run);
  for (const [index, pf] of preflight.entries()) {
    await run.checkpoint();
    await migrateCluster(run, pf);
    if (index < preflight.length - 1 && soakSeconds > 0) {
      await run.step(pf.cluster, 'soak', async () => {
        await run.wait(soakSeconds);
        return { detail: `soaked ${soakSeconds}s` };
      });
    }
    await restartCheck(run, pf.cluster);
  }
}

/**
 * After the soak, before the gate ("pod restarts still get valid credentials"): one more
 * restart, and the pods it creates verified, as one step.
 */
async function restartCheck(run: MigrationRun, cluster: string): Promise<void> {
  await run.checkpoint();
  await run.step(cluster, 'recheck', async () => {
    run.touch(cluster, 'restarted');
    const { restarted } = await activities(API_CALL, `restart workloads in ${cluster} again`).restartWorkloads({
      cluster,
      serviceAccount: run.serviceAccount,
      restartedAt: nowIso(),
    });
    const rollout = await activities(LONG_WAIT, `wait for rollouts in ${cluster}`).waitForRollouts({
      cluster,
      workloads: restarted,
      timeoutSeconds: run.options.rolloutTimeoutSeconds,
    });
    const check = await checkPodIdentity(run, cluster, restarted, true);
    return { detail: `restarted again, ${rollout.detail}; ${check.detail}`, warnings: check.warnings };
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
        idempotencyKey: `${workflowId}/${firstExecutionRunId}/${cluster}`,
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
  const restarted = await restartAndWait(run, cluster, 'restart');
  await run.checkpoint();
  await verifyPodIdentity(run, cluster, 'verify', restarted);
  progress.status = 'migrated';
  run.refresh();
}

/** Restarts the workloads that use the service account, then waits for their rollouts; returns them. */
export function restartAndWait(
  run: MigrationRun,
  cluster: string,
  name: 'restart' | 'cleanup-restart',
): Promise<WorkloadRef[] | undefined> {
  return run.step(cluster, name, async () => {
    run.touch(cluster, 'restarted');
    const { restarted } = await activities(API_CALL, `restart workloads in ${cluster}`).restartWorkloads({
      cluster,
      serviceAccount: run.serviceAccount,
      restartedAt: nowIso(),
    });
    const { detail } = await activities(LONG_WAIT, `wait for rollouts in ${cluster}`).waitForRollouts({
      cluster,
      workloads: restarted,
      timeoutSeconds: run.options.rolloutTimeoutSeconds,
    });
    return { detail, value: restarted };
  });
}

/**
 * The running pods of the restarted workloads on Pod Identity credentials, and the caller
 * identity of the role from a verification pod and/or one pod per workload
 * (`verification.ts`). Without `workloads`, those the restart would restart.
 */
export function verifyPodIdentity(
  run: MigrationRun,
  cluster: string,
  name: 'verify' | 'cleanup-verify',
  workloads?: WorkloadRef[],
) {
  return run.step(cluster, name, () => checkPodIdentity(run, cluster, workloads));
}
