import { ApplicationFailure, CancellationScope, log, sleep } from '@temporalio/workflow';
import { IRSA_ANNOTATION } from '../../src/domain/constants.js';
import { FailureType } from '../../src/domain/failure-types.js';
import type { StepName } from '../../src/domain/migration-state.js';
import { activities, COMPENSATION, LONG_WAIT } from '../activity-options.js';
import { clusterProgress, nowIso } from '../state.js';
import { errorMessage, type MigrationRun } from './run.js';
import { sweepVerificationPods } from './verification.js';

/**
 * After a failure, a Reject or an abort: records why, then puts every cluster back on IRSA
 * even while the run is being cancelled. Ends RolledBack, or RollbackFailed with the manual
 * steps (and a failed workflow, so the run stands out).
 */
export async function rollBack(run: MigrationRun, err: unknown): Promise<void> {
  const { state } = run;
  run.recordFailure(err);
  log.warn('rolling back', { failure: state.failure });
  await CancellationScope.nonCancellable(async () => {
    run.setPhase('RollingBack');
    await run.notify('rollback-step', `rolling back: ${state.failure?.type ?? ''}: ${state.failure?.message ?? ''}`);
    await compensate(run);
    // After the compensations: a pod a dead worker left must not hold up putting IRSA back.
    await sweepVerificationPods(run);
    run.setPhase(state.manualSteps?.length ? 'RollbackFailed' : 'RolledBack');
    await run.notify(
      'finished',
      state.manualSteps?.length
        ? `ROLLBACK FAILED: manual steps needed:\n${state.manualSteps.join('\n')}`
        : 'rolled back: every cluster is on IRSA as before',
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

interface Compensation {
  name: StepName;
  /** The manual step, should this one fail or not be reached. */
  what: string;
  run: () => Promise<string>;
}

/**
 * Compensations in reverse order, each idempotent and retried: IRSA trust back first (pods
 * returning to IRSA need it), then each touched cluster newest first, then the Pod Identity
 * trust statement last. A compensation that still fails is recorded with the exact manual
 * steps; the others still run.
 */
async function compensate(run: MigrationRun): Promise<void> {
  const { state, input, touched } = run;
  const manual: string[] = [];
  const roleName = input.roleArn.split('/').pop() ?? input.roleArn;

  const removed = state.rollbackNote.removedIrsaTrust;
  if (removed) {
    try {
      await activities(COMPENSATION, 'restore IRSA trust').restoreIrsaTrust({
        roleArn: input.roleArn,
        removed: removed.Statement,
      });
      await run.notify('rollback-step', 'trust: IRSA trust statements restored');
    } catch (err) {
      manual.push(
        `Restore the IRSA trust of role ${roleName}: put back these statements (from the state query, rollbackNote.removedIrsaTrust): aws iam update-assume-role-policy --role-name ${roleName} --policy-document file://trust.json  # ${errorMessage(err)}`,
      );
    }
  }

  for (const cluster of input.clusters.filter((c) => touched.clusters[c]).reverse()) {
    const progress = clusterProgress(state, cluster);
    progress.status = 'rolling-back';
    run.refresh();
    // Later steps depend on earlier ones (deleting the association before the annotation is
    // back would leave pods with no credentials), so after a failure the rest become manual steps.
    let ok = true;
    for (const item of clusterCompensations(run, cluster, roleName)) {
      if (!ok) {
        manual.push(`${cluster}: then ${item.what}`);
        continue;
      }
      try {
        await run.step(cluster, item.name, async () => ({ detail: await item.run() }), 'rollback-step');
      } catch (err) {
        manual.push(`${cluster}: ${item.what}  # ${errorMessage(err)}`);
        await run.notify('rollback-step', `${cluster}: ${item.name} FAILED: ${errorMessage(err)}`, { cluster });
        ok = false;
      }
    }
    progress.status = ok ? 'rolled-back' : 'failed';
    run.refresh();
  }

  const sid = state.rollbackNote.addedTrustStatementSid;
  if (touched.trustAdded && sid) {
    try {
      await activities(COMPENSATION, 'remove the Pod Identity trust statement this run added').removePodIdentityTrust({
        roleArn: input.roleArn,
        sid,
      });
      await run.notify('rollback-step', `trust: Pod Identity statement ${sid} removed`);
    } catch (err) {
      manual.push(
        `Remove statement Sid ${sid} from the trust policy of role ${roleName} (original policy: state query, rollbackNote.originalTrustPolicy)  # ${errorMessage(err)}`,
      );
    }
  }
  if (manual.length > 0) state.manualSteps = manual;
}

/** What undoes this run's changes to one cluster, in order. */
function clusterCompensations(run: MigrationRun, cluster: string, roleName: string): Compensation[] {
  const { state, input, serviceAccount: sa } = run;
  const did = run.touched.clusters[cluster] ?? {};
  const previous = state.rollbackNote.previousAnnotations[cluster] ?? null;
  const steps: Compensation[] = [];
  if (did.annotationRemoved && previous !== null) {
    steps.push({
      name: 'rollback-restore-annotation',
      what: `kubectl -n ${sa.namespace} annotate serviceaccount ${sa.name} ${IRSA_ANNOTATION}=${previous} --overwrite`,
      run: async () => {
        await activities(COMPENSATION, `restore IRSA annotation in ${cluster}`).setIrsaAnnotation({
          cluster,
          serviceAccount: sa,
          value: previous,
        });
        return `IRSA annotation restored (${previous})`;
      },
    });
  }
  // A restart is needed only if some pod may have been created with Pod Identity.
  let podsMayHavePodIdentity = did.restarted === true;
  if (did.associationAttempted) {
    const id = clusterProgress(state, cluster).createdAssociationId;
    steps.push({
      name: 'rollback-delete-association',
      what: `aws eks delete-pod-identity-association --cluster-name ${cluster} --association-id ${id ?? `<id from: aws eks list-pod-identity-associations --cluster-name ${cluster} --namespace ${sa.namespace} --service-account ${sa.name}>`}`,
      run: async () => {
        const result = await activities(
          COMPENSATION,
          `delete Pod Identity association in ${cluster}`,
        ).deleteAssociation({ cluster, serviceAccount: sa, roleArn: input.roleArn, associationId: id });
        if (result.deleted) podsMayHavePodIdentity = true;
        // Deletion is eventually consistent too: pods created too early would still get Pod Identity.
        if (result.deleted && input.options.consistencyWaitSeconds > 0) {
          await sleep(input.options.consistencyWaitSeconds * 1000);
        }
        return result.deleted
          ? `association ${result.associationId ?? id ?? ''} deleted`
          : 'no association of this run left to delete';
      },
    });
  }
  if (did.restarted || did.associationAttempted) {
    steps.push({
      name: 'rollback-restart',
      what: `kubectl -n ${sa.namespace} rollout restart <each deployment/statefulset/daemonset using ${sa.name}>`,
      run: async () => {
        if (!podsMayHavePodIdentity) return 'no restart needed: no association took effect and nothing was restarted';
        const { restarted } = await activities(COMPENSATION, `restart workloads in ${cluster}`).restartWorkloads({
          cluster,
          serviceAccount: sa,
          restartedAt: nowIso(),
        });
        const { detail } = await activities(LONG_WAIT, `wait for rollouts in ${cluster}`).waitForRollouts({
          cluster,
          workloads: restarted,
          timeoutSeconds: input.options.rolloutTimeoutSeconds,
        });
        return detail;
      },
    });
    if (previous !== null) {
      steps.push({
        name: 'rollback-verify',
        what: `kubectl -n ${sa.namespace} exec <pod> -- aws sts get-caller-identity  # expect an IRSA session of ${roleName}`,
        run: async () => {
          const { detail } = await activities(COMPENSATION, `verify IRSA credentials in ${cluster}`).verifyCredentials({
            cluster,
            serviceAccount: sa,
            roleArn: input.roleArn,
            expect: 'irsa',
            verifyCommand: input.options.verifyCommand,
          });
          return detail;
        },
      });
    }
  }
  return steps;
}
