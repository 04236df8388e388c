import { DEFAULT_VERIFY_COMMAND } from '../src/domain/constants.js';
import { checkCallerIdentity, credentialPath, parseCallerIdentityOutput } from '../src/domain/credentials.js';
import { FailureType } from '../src/domain/failure-types.js';
import { isExecNotStarted } from '../src/domain/kubernetes.js';
import type { PodInfo } from '../src/domain/kubernetes.js';
import type { ActivityDeps } from './deps.js';
import { failure } from './failures.js';
import type { ClusterTarget, CredentialExpectation } from './types.js';

/** Exit codes a shell gives when the probe binary is missing or not executable (`sh -c '…'` probes). */
const PROBE_UNAVAILABLE = new Set([126, 127]);

function ownerKey(pod: PodInfo): string {
  return pod.owner ? `${pod.owner.kind}/${pod.owner.name}` : `pod/${pod.name}`;
}

export function verifyActivities(deps: ActivityDeps) {
  const k8s = deps.kubernetes;
  return {
    /**
     * Every live pod must carry the expected credential variables (and not the other set),
     * and one pod per workload must answer the probe with the expected role and session.
     * An unavailable probe is a recorded warning, never a silent pass.
     */
    async verifyCredentials(
      input: ClusterTarget & { roleArn: string; expect: CredentialExpectation; verifyCommand?: string[] },
    ): Promise<{ detail: string; warnings: string[] }> {
      const { cluster, serviceAccount: sa, expect } = input;
      const pods = (await k8s.listPods(cluster, sa.namespace, sa.name)).filter((p) => !p.terminating);
      const warnings: string[] = [];
      if (pods.length === 0) {
        warnings.push(`${cluster}: no running pods use ${sa.namespace}/${sa.name}: credentials could not be verified`);
        return { detail: 'no running pods to verify', warnings };
      }
      const wrong = pods.flatMap((pod) =>
        pod.containers
          .map((c) => ({ pod, container: c, path: credentialPath(c.env) }))
          .filter((x) => x.path !== expect)
          .map((x) => `${x.pod.name}/${x.container.name} is on ${x.path}`),
      );
      if (wrong.length > 0) {
        throw failure(
          FailureType.VerificationFailed,
          `${cluster}: expected every pod on ${expect}, but ${wrong.join(', ')}`,
        );
      }
      const command = input.verifyCommand ?? DEFAULT_VERIFY_COMMAND;
      const perWorkload = new Map<string, PodInfo>();
      for (const pod of pods) if (!perWorkload.has(ownerKey(pod))) perWorkload.set(ownerKey(pod), pod);
      const identities: string[] = [];
      for (const [owner, pod] of perWorkload) {
        const container = pod.containers[0];
        if (!container) continue;
        const result = await k8s.exec(cluster, pod.namespace, pod.name, container.name, command);
        if (isExecNotStarted(result)) {
          warnings.push(
            `${cluster}: probe unavailable in ${pod.name}/${container.name} (${command[0] ?? ''} is not in the image: ${result.message}): environment checked, caller identity not`,
          );
          continue;
        }
        if (PROBE_UNAVAILABLE.has(result.exitCode)) {
          warnings.push(
            `${cluster}: probe unavailable in ${pod.name}/${container.name} (${command[0] ?? ''} exited ${result.exitCode}): environment checked, caller identity not`,
          );
          continue;
        }
        if (result.exitCode !== 0) {
          throw failure(
            FailureType.VerificationFailed,
            `${cluster}: ${owner}: \`${command.join(' ')}\` in ${pod.name} exited ${result.exitCode}: ${result.stderr.trim() || result.stdout.trim()}`,
          );
        }
        if (input.verifyCommand) {
          identities.push(`${owner}: verify command succeeded`);
          continue;
        }
        const identity = parseCallerIdentityOutput(result.stdout);
        if (!identity) {
          throw failure(
            FailureType.VerificationFailed,
            `${cluster}: ${owner}: unreadable caller identity: ${result.stdout.slice(0, 200)}`,
          );
        }
        const check = checkCallerIdentity(
          identity.arn,
          { roleArn: input.roleArn, cluster, eksClusterName: deps.eksClusterName?.(cluster) },
          expect,
        );
        if (!check.ok) throw failure(FailureType.VerificationFailed, `${cluster}: ${owner}: ${check.message}`);
        identities.push(`${owner}: ${identity.arn}`);
      }
      return {
        detail: `${pods.length} pod(s) on ${expect}${identities.length ? `; caller identity ${identities.join('; ')}` : ''}`,
        warnings,
      };
    },
  };
}
