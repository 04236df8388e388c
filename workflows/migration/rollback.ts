import { ApplicationFailure, CancellationScope, log } from '@temporalio/workflow';
import { FailureType } from '../../src/domain/failure-types.js';
import { activities, COMPENSATION } from '../activity-options.js';
import { clusterProgress } from '../state.js';
import {
  clusterManualSteps,
  removePodIdentityTrustCommand,
  restoreIrsaTrustCommand,
  roleName,
} from './manual-steps.js';
import { compensateCluster, remainingActions, SECOND_ABORT } from './rollback-cluster.js';
import { withRoleLock } from './role-lock.js';
import { errorMessage, type MigrationRun } from './run.js';
import { sweepVerificationPods } from './verification.js';

/**
 * After a failure, a Reject or an abort: records why, then puts every cluster back on IRSA
 * even while the run is being cancelled. Ends RolledBack, or RollbackFailed with the manual
 * steps (and a failed workflow, so the run stands out).
 *
 * Every compensation keeps the credential invariant (src/domain/invariant.ts): IRSA trust
 * comes back before any pod returns to IRSA; an association is deleted only right before
 * the restart that moves its pods off it, and re-created if that restart fails; the Pod
 * Identity trust goes last, and only while nothing uses it.
 */
export async function rollBack(run: MigrationRun, err: unknown): Promise<void> {
  const { state } = run;
  run.recordFailure(err);
  log.warn('rolling back', { failure: state.failure });
  await CancellationScope.nonCancellable(async () => {
    run.setPhase('RollingBack');
    await run.notify('rollback-step', `rolling back: ${state.failure?.type ?? ''}: ${state.failure?.message ?? ''}`);
    const manual = await compensate(run);
    if (manual.length > 0) state.manualSteps = manual;
    // After the compensations: a pod a dead worker left must not hold up putting IRSA back.
    await sweepVerificationPods(run);
    run.setPhase(manual.length ? 'RollbackFailed' : 'RolledBack');
    const stopped = state.rollbackAbortRequested;
    await run.notify(
      'finished',
      !manual.length
        ? 'rolled back: every cluster is on IRSA as before'
        : stopped
          ? `ROLLBACK STOPPED by a second abort (by ${stopped.by}); left behind, to finish by hand:\n${manual.join('\n')}`
          : `ROLLBACK FAILED: manual steps needed:\n${manual.join('\n')}`,
    );
  });
  if (state.phase === 'RollbackFailed') {
    throw ApplicationFailure.create({
      type: FailureType.RollbackFailed,
      message: `rollback incomplete; manual steps: ${state.manualSteps?.join(' ; ') ?? ''}`,
      nonRetryable: true,
      details: [state.manualSteps],
    });
  }
}

/**
 * Compensations in reverse order: IRSA trust back first (pods returning to IRSA need it),
 * then each touched cluster newest first, then the Pod Identity trust statement. Returns
 * the manual steps for whatever could not be done, in the order to run them.
 */
async function compensate(run: MigrationRun): Promise<string[]> {
  const { state, input, touched } = run;
  const manual: string[] = [];
  const role = roleName(run);
  const deletedAssociationIds: string[] = [];

  let irsaTrustBack = true;
  const removed = state.rollbackNote.removedIrsaTrust;
  if (removed) {
    try {
      const done = await withRoleLock(
        run,
        'rollback: restore IRSA trust',
        // Resolves to true: `undefined` is what a lock wait stopped by a second abort returns.
        () =>
          activities(COMPENSATION, 'restore IRSA trust')
            .restoreIrsaTrust({
              roleArn: input.roleArn,
              removed: removed.Statement,
              ...(state.rollbackNote.originalTrustPolicy && { before: state.rollbackNote.originalTrustPolicy }),
            })
            .then(() => true),
        { stop: () => run.rollbackInterrupted, compensation: true },
      );
      if (done === undefined) throw new Error(SECOND_ABORT);
      await run.notify('rollback-step', 'trust: IRSA trust statements restored');
    } catch (err) {
      irsaTrustBack = false;
      manual.push(`role ${role}: ${restoreIrsaTrustCommand(run, removed.Statement)}  # ${errorMessage(err)}`);
    }
  }

  let everyClusterBack = true;
  for (const cluster of input.clusters.filter((c) => touched.clusters[c]).reverse()) {
    const progress = clusterProgress(state, cluster);
    progress.status = 'rolling-back';
    run.refresh();
    let lines: string[];
    if (!irsaTrustBack || run.rollbackInterrupted) {
      // Pods sent back to IRSA now would find no trust (or nobody wants them moved): they stay where they are.
      const why = !irsaTrustBack ? 'not done: the IRSA trust must be restored first (above)' : SECOND_ABORT;
      lines = clusterManualSteps(run, cluster, remainingActions(run, cluster), why);
    } else {
      lines = await compensateCluster(run, cluster, deletedAssociationIds);
    }
    manual.push(...lines);
    if (lines.length > 0) everyClusterBack = false;
    progress.status = lines.length === 0 ? 'rolled-back' : 'failed';
    run.refresh();
  }

  const sid = state.rollbackNote.addedTrustStatementSid;
  if (sid !== undefined) {
    const command = removePodIdentityTrustCommand(run, sid);
    const condition = `once no pod uses Pod Identity with role ${role} and no association in any cluster names it`;
    try {
      const result = await withRoleLock(
        run,
        'rollback: remove the Pod Identity trust this run added',
        () =>
          activities(COMPENSATION, 'remove the Pod Identity trust statement this run added').removePodIdentityTrust({
            roleArn: input.roleArn,
            sid,
            serviceAccount: run.serviceAccount,
            clusters: input.clusters,
            deletedAssociationIds,
          }),
        { stop: () => run.rollbackInterrupted, compensation: true },
      );
      if (result === undefined) throw new Error(SECOND_ABORT);
      if (result.removed) {
        await run.notify('rollback-step', `trust: Pod Identity statement ${sid} removed`);
      } else if (result.keptBecause !== undefined) {
        const kept = `trust: Pod Identity statement ${sid} kept: ${result.keptBecause ?? ''}`;
        state.warnings.push(kept);
        // Kept because of this run's own clusters: finishing them by hand makes it removable.
        if (!everyClusterBack) manual.push(`role ${role}: then, ${condition}: ${command}`);
        await run.notify('rollback-step', kept);
      }
    } catch (err) {
      manual.push(`role ${role}: ${everyClusterBack ? '' : 'then, '}${condition}: ${command}  # ${errorMessage(err)}`);
    }
  }
  return manual;
}
