import type { ClusterPreflight } from '../../activities/types.js';
import { patched } from '@temporalio/workflow';
import { activities, API_CALL, RESTART_AND_VERIFY_PATCH } from '../activity-options.js';
import { clusterProgress } from '../state.js';
import { restartAndCheck, restartAndWait, verifyPodIdentity } from './migrate-cluster.js';
import { withRoleLock } from './role-lock.js';
import { MigrationAborted, type MigrationRun } from './run.js';
import { sweepVerificationPods } from './verification.js';

/**
 * After approval: IRSA off each cluster (annotation removed, workloads restarted, Pod
 * Identity verified again), then the role's IRSA trust for these clusters' issuers: only
 * once no pod of the service account is left on IRSA there (the credential invariant).
 */
export async function cleanup(run: MigrationRun, preflight: ClusterPreflight[]): Promise<void> {
  const { state, serviceAccount: sa } = run;
  run.setPhase('CleaningUp');
  await sweepVerificationPods(run, 'beside');
  for (const pf of preflight) {
    await run.checkpoint();
    const { cluster } = pf;
    const progress = clusterProgress(state, cluster);
    progress.status = 'cleaning';
    if (pf.plan.irsaAnnotation !== null) {
      await run.step(cluster, 'remove-annotation', async () => {
        run.touch(cluster, 'annotationRemoved');
        const { previous } = await activities(API_CALL, `remove IRSA annotation in ${cluster}`).setIrsaAnnotation({
          cluster,
          serviceAccount: sa,
          value: null,
        });
        return { detail: `IRSA annotation removed (was ${previous ?? 'absent'})` };
      });
      const { restarted, check } = patched(RESTART_AND_VERIFY_PATCH)
        ? await restartAndCheck(run, cluster, 'cleanup-restart', 'pod-identity')
        : { restarted: await restartAndWait(run, cluster, 'cleanup-restart'), check: undefined };
      await verifyPodIdentity(run, cluster, 'cleanup-verify', restarted, check);
    }
    progress.status = 'cleaned';
    run.refresh();
  }
  const issuers = state.plan?.cleanup.removeIrsaTrustForIssuers ?? [];
  if (run.options.keepIrsaTrust || issuers.length === 0) return;
  try {
    const result = await withRoleLock(
      run,
      `${sa.namespace}/${sa.name}: remove IRSA trust`,
      () =>
        activities(API_CALL, 'remove IRSA trust for migrated clusters').removeIrsaTrust({
          roleArn: run.input.roleArn,
          serviceAccount: sa,
          issuers,
        }),
      { stop: () => state.abortRequested !== undefined },
    );
    if (result === undefined) throw new MigrationAborted(`aborted by ${state.abortRequested?.by ?? 'unknown'}`);
    const { removed } = result;
    if (removed.length > 0) state.rollbackNote.removedIrsaTrust = { Version: '2012-10-17', Statement: removed };
    await run.notify('step', `trust: removed ${sa.namespace}/${sa.name} IRSA trust for ${issuers.length} issuer(s)`);
  } catch (err) {
    run.recordFailure(err, { step: 'trust-cleanup' });
    throw err;
  }
}
