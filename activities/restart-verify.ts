import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../src/domain/failure-types.js';
import type { WorkloadRef } from '../src/domain/types.js';
import type { ActivityDeps } from './deps.js';
import { toApplicationFailure } from './failures.js';
import { kubernetesActivities } from './kubernetes.js';
import type { ClusterTarget } from './types.js';
import { verifyActivities } from './verify.js';

type VerifyInput = Parameters<ReturnType<typeof verifyActivities>['verifyCredentials']>[0];

/** What `verifyCredentials` is asked, less the target and the workloads (those this restart restarted). */
export type CredentialsRequest = Omit<VerifyInput, 'cluster' | 'serviceAccount' | 'workloads'>;

/** What `verifyCredentials` answered: its result, or the failure no retry would change. */
export type CredentialsCheck =
  | { passed: Awaited<ReturnType<ReturnType<typeof verifyActivities>['verifyCredentials']>> }
  | { failed: { type: string; message: string } };

/** How often the check beats while it runs: it may exec into a pod per workload, each up to its own timeout. */
const CHECK_HEARTBEAT_MS = 10_000;

export function restartVerifyActivities(deps: ActivityDeps) {
  const kubernetes = kubernetesActivities(deps);
  const verify = verifyActivities(deps);
  return {
    /**
     * `restartAndAwaitRollouts`, then `verifyCredentials` on what it restarted: the step after
     * a restart, in the same activity (RESTART_AND_VERIFY_PATCH), so it costs no round trip
     * through the server. A failed check is an answer, returned for the verify step to record
     * (the workflow decides what it means: propagation lag or a failure); only an error a retry
     * may clear (throttling, an API server that did not answer) fails the activity, whose retry
     * restarts again with the same `restartedAt` (a no-op patch, no second rollout) and checks again.
     */
    async restartAwaitAndVerify(
      input: ClusterTarget & { restartedAt: string; timeoutSeconds: number; check: CredentialsRequest },
    ): Promise<{ restarted: WorkloadRef[]; detail: string; check: CredentialsCheck }> {
      const { cluster, serviceAccount } = input;
      const { restarted, detail } = await kubernetes.restartAndAwaitRollouts(input);
      const ctx = Context.current();
      ctx.heartbeat({ checking: restarted.length });
      const beat = setInterval(() => ctx.heartbeat({ checking: restarted.length }), CHECK_HEARTBEAT_MS);
      try {
        const passed = await verify.verifyCredentials({
          cluster,
          serviceAccount,
          ...input.check,
          workloads: restarted,
        });
        return { restarted, detail, check: { passed } };
      } catch (err) {
        const typed = toApplicationFailure(err);
        if (!(typed instanceof ApplicationFailure) || !typed.nonRetryable) throw typed;
        return {
          restarted,
          detail,
          check: { failed: { type: typed.type ?? FailureType.Unknown, message: typed.message } },
        };
      } finally {
        clearInterval(beat);
      }
    },
  };
}
