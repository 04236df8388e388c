import { workflowInfo } from '@temporalio/workflow';
import type { ClusterPreflight } from '../../activities/types.js';
import type { WorkloadRef } from '../../src/domain/types.js';
import { activities, API_CALL, LONG_WAIT } from '../activity-options.js';
import { clusterProgress, nowIso } from '../state.js';
import { evidenceEnabled, podIdentityEvidence } from './evidence.js';
import type { MigrationRun } from './run.js';

/** The clusters one at a time, in order, with a soak between one and the next. */
export async function migrateClusters(run: MigrationRun, preflight: ClusterPreflight[]): Promise<void> {
  const soakSeconds = run.options.soakSeconds;
  run.setPhase('Migrating');
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
  }
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
 * The running pods of the restarted workloads on Pod Identity credentials, and one per
 * workload answering as the role. Without `workloads`, those the restart would restart.
 */
export function verifyPodIdentity(
  run: MigrationRun,
  cluster: string,
  name: 'verify' | 'cleanup-verify',
  workloads?: WorkloadRef[],
) {
  return run.step(cluster, name, () =>
    activities(API_CALL, `verify Pod Identity credentials in ${cluster}`).verifyCredentials({
      cluster,
      serviceAccount: run.serviceAccount,
      roleArn: run.input.roleArn,
      ...(run.options.targetRoleArn !== undefined && { targetRoleArn: run.options.targetRoleArn }),
      expect: 'pod-identity',
      verifyCommand: run.options.verifyCommand,
      ...(workloads === undefined ? {} : { workloads }),
    }),
  );
}
