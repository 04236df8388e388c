import { Context } from '@temporalio/activity';
import { IRSA_ANNOTATION } from '../src/domain/constants.js';
import { credentialPath, type CredentialPath } from '../src/domain/credentials.js';
import { FailureType } from '../src/domain/failure-types.js';
import { pollDelayMs } from '../src/domain/poll-backoff.js';
import { rolloutStatus } from '../src/domain/rollout.js';
import type { WorkloadRef } from '../src/domain/types.js';
import type { ActivityDeps } from './deps.js';
import { failure } from './failures.js';
import type { ClusterTarget } from './types.js';

const label = (ref: WorkloadRef) => `${ref.kind.toLowerCase()}/${ref.name}`;

export function kubernetesActivities(deps: ActivityDeps) {
  const k8s = deps.kubernetes;
  const poll = { firstMs: 100, maxMs: deps.rolloutPollMs ?? 1000 };
  /** Same restartedAt on a retry: the patch is then a no-op and no second rollout starts. */
  async function restartWorkloads(
    input: ClusterTarget & { restartedAt: string },
  ): Promise<{ restarted: WorkloadRef[] }> {
    const { cluster, serviceAccount: sa } = input;
    const workloads = await k8s.listWorkloads(cluster, sa.namespace, sa.name);
    for (const w of workloads) await k8s.restartWorkload(cluster, w.ref, input.restartedAt);
    return { restarted: workloads.map((w) => w.ref) };
  }

  /**
   * Polls by `kubectl rollout status` rules, heartbeating: every 100 ms at first, backing off to
   * every `rolloutPollMs` (1 s), so a quick rollout is seen at once and a slow one at most a
   * second late (it was up to 2 s at a fixed interval). A failed or overdue rollout is not retried.
   */
  async function waitForRollouts(input: {
    cluster: string;
    workloads: WorkloadRef[];
    timeoutSeconds: number;
  }): Promise<{ detail: string }> {
    const { cluster } = input;
    const deadline = Date.now() + input.timeoutSeconds * 1000;
    const ctx = Context.current();
    for (let attempt = 0; ; attempt++) {
      const results = await Promise.all(
        input.workloads.map(async (ref) => ({
          ref,
          result: rolloutStatus(await k8s.getWorkloadStatus(cluster, ref)),
        })),
      );
      const failed = results.find((r) => r.result.state === 'failed');
      if (failed) {
        throw failure(
          FailureType.RolloutFailed,
          `${cluster}: ${label(failed.ref)} rollout failed: ${failed.result.message}`,
        );
      }
      const pending = results.filter((r) => r.result.state !== 'done');
      if (pending.length === 0) {
        return {
          detail: input.workloads.length
            ? `rollout complete: ${input.workloads.map(label).join(', ')}`
            : 'no workloads use the service account: nothing to roll out',
        };
      }
      if (Date.now() > deadline) {
        throw failure(
          FailureType.RolloutFailed,
          `${cluster}: rollout did not complete within ${input.timeoutSeconds}s: ${pending.map((p) => `${label(p.ref)}: ${p.result.message}`).join('; ')}`,
        );
      }
      ctx.heartbeat({ pending: pending.map((p) => label(p.ref)) });
      await ctx.sleep(pollDelayMs(attempt, poll));
    }
  }

  return {
    restartWorkloads,
    /**
     * `restartWorkloads`, then `waitForRollouts` on what it restarted, in one activity (one
     * round trip through the server). A retry restarts again with the same `restartedAt`: a
     * no-op patch, no second rollout; it then waits as before.
     */
    async restartAndAwaitRollouts(
      input: ClusterTarget & { restartedAt: string; timeoutSeconds: number },
    ): Promise<{ restarted: WorkloadRef[]; detail: string }> {
      const { restarted } = await restartWorkloads(input);
      const { detail } = await waitForRollouts({
        cluster: input.cluster,
        workloads: restarted,
        timeoutSeconds: input.timeoutSeconds,
      });
      return { restarted, detail };
    },

    waitForRollouts,

    /** The path each running pod of the service account is on: which way a failed verification points. */
    async credentialPaths(input: ClusterTarget): Promise<{ pods: { name: string; path: CredentialPath }[] }> {
      const { cluster, serviceAccount: sa } = input;
      const pods = (await k8s.listPods(cluster, sa.namespace, sa.name)).filter((p) => !p.terminating);
      return {
        pods: pods.map((pod) => {
          const paths = pod.containers.map((c) => credentialPath(c.env));
          const path = paths.find((p) => p !== 'none') ?? 'none';
          return { name: pod.name, path };
        }),
      };
    },

    async setIrsaAnnotation(input: ClusterTarget & { value: string | null }): Promise<{ previous: string | null }> {
      const { cluster, serviceAccount: sa } = input;
      const current = await k8s.getServiceAccount(cluster, sa.namespace, sa.name);
      if (!current)
        throw failure(FailureType.NotFound, `${cluster}: service account ${sa.namespace}/${sa.name} not found`);
      await k8s.setServiceAccountAnnotation(cluster, sa.namespace, sa.name, IRSA_ANNOTATION, input.value);
      return { previous: current.annotations[IRSA_ANNOTATION] ?? null };
    },
  };
}
