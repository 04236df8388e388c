import type { CredentialExpectation } from '../../activities/types.js';
import { activities, API_CALL, COMPENSATION, LONG_WAIT } from '../activity-options.js';
import { clusterProgress, nowIso } from '../state.js';
import { clusterCommand, clusterManualSteps, recreateAssociationCommand, type ClusterAction } from './manual-steps.js';
import { podsOnOtherPath } from './migrate-cluster.js';
import { errorMessage, type MigrationRun } from './run.js';

/** Why a compensation was not done: a second abort stopped the rollback. */
export const SECOND_ABORT = 'not done: the rollback was stopped by a second abort';
const WAIT_LINE = (run: MigrationRun) => clusterCommand(run, '', 'wait');

/** What is left to do in a cluster that rollback has not touched yet. */
export function remainingActions(
  run: MigrationRun,
  cluster: string,
): { action: ClusterAction; associationId?: string }[] {
  const did = run.touched.clusters[cluster] ?? {};
  const progress = clusterProgress(run.state, cluster);
  const actions: { action: ClusterAction; associationId?: string }[] = [];
  if (did.annotationRemoved && run.state.rollbackNote.previousAnnotations[cluster] != null)
    actions.push({ action: 'annotate' });
  if (did.associationAttempted) {
    actions.push({ action: 'delete-association', associationId: progress.createdAssociationId });
    actions.push({ action: 'wait' });
  }
  if (did.restarted || did.associationAttempted) actions.push({ action: 'restart' }, { action: 'verify' });
  return actions;
}

/**
 * One cluster back to IRSA: annotation, then the association this run created, the
 * consistency wait, and restart + verification retried within the retry window. Returns
 * the manual steps left (none: done).
 */
export async function compensateCluster(run: MigrationRun, cluster: string, deletedIds: string[]): Promise<string[]> {
  const { state, serviceAccount: sa } = run;
  const did = run.touched.clusters[cluster] ?? {};
  const progress = clusterProgress(state, cluster);
  const previous = state.rollbackNote.previousAnnotations[cluster] ?? null;
  const rest = remainingActions(run, cluster);
  const from = (action: ClusterAction) => {
    const index = rest.findIndex((a) => a.action === action);
    return index < 0 ? [] : rest.slice(index);
  };
  const failed = async (name: string, err: unknown) => {
    const message = errorMessage(err);
    if (message === SECOND_ABORT) return message;
    await run.notify('rollback-step', `${cluster}: ${name} FAILED: ${message}`, { cluster });
    return `${name} failed: ${message}`;
  };

  if (did.annotationRemoved && previous !== null) {
    try {
      await run.step(
        cluster,
        'rollback-restore-annotation',
        async () => {
          await activities(COMPENSATION, `restore IRSA annotation in ${cluster}`).setIrsaAnnotation({
            cluster,
            serviceAccount: sa,
            value: previous,
          });
          return { detail: `IRSA annotation restored (${previous})` };
        },
        'rollback-step',
      );
    } catch (err) {
      // The association stays, so its pods keep Pod Identity: nothing below may run.
      return clusterManualSteps(run, cluster, from('annotate'), await failed('rollback-restore-annotation', err));
    }
  }

  let deleted: string[] = [];
  if (did.associationAttempted) {
    try {
      deleted =
        (await run.step(
          cluster,
          'rollback-delete-association',
          async () => {
            const result = await activities(
              COMPENSATION,
              `delete Pod Identity association in ${cluster}`,
            ).deleteAssociation({
              cluster,
              serviceAccount: sa,
              runTag: run.runTag,
              ...(progress.createdAssociationId !== undefined && { associationId: progress.createdAssociationId }),
            });
            return {
              detail: result.deleted.length
                ? `association ${result.deleted.join(', ')} deleted`
                : 'no association of this run left to delete',
              value: result.deleted,
            };
          },
          'rollback-step',
        )) ?? [];
      deletedIds.push(...deleted);
    } catch (err) {
      return clusterManualSteps(
        run,
        cluster,
        from('delete-association'),
        await failed('rollback-delete-association', err),
      );
    }
  }

  const podsMayHavePodIdentity = did.restarted === true || deleted.length > 0;
  if (!podsMayHavePodIdentity) {
    if (did.associationAttempted)
      run.skipStep(
        cluster,
        'rollback-restart',
        'no restart needed: no association took effect and nothing was restarted',
      );
    return [];
  }
  try {
    if (deleted.length > 0) {
      await run.step(
        cluster,
        'rollback-consistency-wait',
        async () => {
          const seconds = run.options.consistencyWaitSeconds;
          if (!(await run.rollbackWait(seconds))) throw new Error(SECOND_ABORT);
          return { detail: `waited ${seconds}s for the deletion to reach the webhook` };
        },
        'rollback-step',
      );
    }
    // Back to how the pods were before this run: IRSA where the annotation was, unless an
    // association this run found and reused keeps them on Pod Identity (a rerun).
    const expect = progress.reusedAssociationId !== undefined ? 'pod-identity' : previous !== null ? 'irsa' : undefined;
    await restartBack(run, cluster, expect);
    return [];
  } catch (err) {
    const cause = await failed(progress.steps.at(-1)?.step ?? 'rollback', err);
    const before = await keepPodIdentityPodsWorking(run, cluster, deleted, err);
    return clusterManualSteps(run, cluster, from('restart'), cause, before);
  }
}

/** Restart and verify (IRSA, as a rule), retried within the retry window while pods still come up on the other path. */
async function restartBack(
  run: MigrationRun,
  cluster: string,
  expect: CredentialExpectation | undefined,
): Promise<void> {
  const { serviceAccount: sa, options } = run;
  const started = Date.now();
  let wait = Math.max(1, options.consistencyWaitSeconds);
  for (let attempt = 1; ; attempt += 1) {
    await run.step(
      cluster,
      'rollback-restart',
      async () => {
        const { restarted } = await activities(COMPENSATION, `restart workloads in ${cluster}`).restartWorkloads({
          cluster,
          serviceAccount: sa,
          restartedAt: nowIso(),
        });
        const rollout = await run.interruptible(() =>
          activities(LONG_WAIT, `wait for rollouts in ${cluster}`).waitForRollouts({
            cluster,
            workloads: restarted,
            timeoutSeconds: options.rolloutTimeoutSeconds,
          }),
        );
        if (rollout === 'interrupted') throw new Error(SECOND_ABORT);
        return { detail: rollout.detail };
      },
      'rollback-step',
    );
    if (expect === undefined) return;
    const done = await run.step(
      cluster,
      'rollback-verify',
      async () => {
        try {
          const result = await activities(COMPENSATION, `verify ${expect} credentials in ${cluster}`).verifyCredentials(
            {
              cluster,
              serviceAccount: sa,
              roleArn: run.input.roleArn,
              ...(run.options.targetRoleArn !== undefined && { targetRoleArn: run.options.targetRoleArn }),
              expect,
              verifyCommand: options.verifyCommand,
            },
          );
          return { ...result, value: true };
        } catch (err) {
          const elapsed = Math.round((Date.now() - started) / 1000);
          const stale = await podsOnOtherPath(run, cluster, expect, err).catch(() => []);
          if (stale.length === 0 || elapsed + wait > run.retryWindowSeconds || run.rollbackInterrupted) throw err;
          return {
            detail: `${stale.length} pod(s) still on ${expect === 'irsa' ? 'Pod Identity' : 'IRSA'} (${stale.join(', ')}): the association change has not reached the webhook yet; retry ${attempt} after ${wait}s (${elapsed}s of the ${run.retryWindowSeconds}s retry window used)`,
            retried: true,
            value: false,
          };
        }
      },
      'rollback-step',
    );
    if (done) return;
    await run.step(
      cluster,
      'rollback-consistency-retry',
      async () => {
        if (!(await run.rollbackWait(wait))) throw new Error(SECOND_ABORT);
        return { detail: `waited ${wait}s more for the deletion to propagate` };
      },
      'rollback-step',
    );
    wait = Math.min(wait * 2, Math.max(1, run.retryWindowSeconds - Math.round((Date.now() - started) / 1000)));
  }
}

/**
 * Compensates the compensation: the pods could not be moved back to IRSA after this run
 * deleted their association, so any still on Pod Identity would lose their credentials.
 * Re-creates the association (then they keep working) and returns the lines to run before
 * the manual restart: delete it again, wait. When that fails too, the first line says so.
 */
async function keepPodIdentityPodsWorking(
  run: MigrationRun,
  cluster: string,
  deleted: string[],
  cause: unknown,
): Promise<string[]> {
  if (deleted.length === 0) return [];
  const stranded = await activities(API_CALL, `read credential paths in ${cluster}`)
    .credentialPaths({ cluster, serviceAccount: run.serviceAccount })
    .then(({ pods }) => pods.filter((p) => p.path === 'pod-identity').map((p) => p.name))
    .catch(() => ['(unknown: the pods could not be listed)']);
  if (stranded.length === 0) return [];
  const progress = clusterProgress(run.state, cluster);
  try {
    const id = await run.step(
      cluster,
      'rollback-recreate-association',
      async () => {
        const { associationId } = await activities(
          COMPENSATION,
          `re-create Pod Identity association in ${cluster}`,
        ).createAssociation({
          cluster,
          serviceAccount: run.serviceAccount,
          roleArn: run.input.roleArn,
          ...(run.options.disableSessionTags === true && { disableSessionTags: true }),
          ...(run.options.targetRoleArn !== undefined && { targetRoleArn: run.options.targetRoleArn }),
          idempotencyKey: `${run.runTag}/${cluster}/recreate`,
          runTag: run.runTag,
        });
        return {
          detail: `association ${associationId} re-created: ${stranded.length} pod(s) still on Pod Identity keep their credentials (${errorMessage(cause)})`,
          value: associationId,
        };
      },
      'rollback-step',
    );
    if (id !== undefined) progress.recreatedAssociationId = id;
    return [
      `aws eks delete-pod-identity-association --cluster-name ${cluster} --association-id ${id ?? '<re-created id>'}  # re-created by the rollback so pods still on Pod Identity keep working: delete it once the cause below is fixed`,
      WAIT_LINE(run),
    ];
  } catch (err) {
    return [
      `${recreateAssociationCommand(run, cluster)}  # URGENT: pods ${stranded.join(', ')} are on Pod Identity without an association (re-creating it failed: ${errorMessage(err)}); then fix the cause below`,
      `aws eks delete-pod-identity-association --cluster-name ${cluster} --association-id <the id the command above printed>  # once the cause below is fixed`,
      WAIT_LINE(run),
    ];
  }
}
