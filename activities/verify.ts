import { DEFAULT_VERIFY_COMMAND } from '../src/domain/constants.js';
import { controllerLabel, podsToVerify } from '../src/domain/controllers.js';
import { checkCallerIdentity, credentialPath, parseCallerIdentityOutput } from '../src/domain/credentials.js';
import { FailureType } from '../src/domain/failure-types.js';
import { isExecNotStarted } from '../src/domain/kubernetes.js';
import type { PodInfo } from '../src/domain/kubernetes.js';
import { shownOutput } from '../src/domain/redact.js';
import type { WorkloadRef } from '../src/domain/types.js';
import type { ActivityDeps } from './deps.js';
import { failure } from './failures.js';
import type { ClusterTarget, CredentialExpectation } from './types.js';

/** Exit codes a shell gives when the probe binary is missing or not executable (`sh -c '…'` probes). */
const PROBE_UNAVAILABLE = new Set([126, 127]);

function ownerKey(pod: PodInfo): string {
  return pod.owner ? `${pod.owner.kind}/${pod.owner.name}` : `pod/${pod.name}`;
}

/** One probe target per workload: a Ready pod if there is one (readiness aside, any running pod will do). */
function probeTargets(pods: PodInfo[]): Map<string, PodInfo> {
  const targets = new Map<string, PodInfo>();
  for (const pod of [...pods].sort((a, b) => Number(b.ready) - Number(a.ready))) {
    if (!targets.has(ownerKey(pod))) targets.set(ownerKey(pod), pod);
  }
  return targets;
}

/** `; not verified: 2 not running, job/nightly-1 (pod nightly-1-abc)`: what the check left out and why. */
function leftOut(notRunning: PodInfo[], others: PodInfo[]): string {
  const parts = [
    ...(notRunning.length > 0 ? [`${notRunning.length} not running or terminating`] : []),
    ...others.map((pod) => `${controllerLabel(pod)} (pod ${pod.name}, not restarted by this run)`),
  ];
  return parts.length > 0 ? `; not verified: ${parts.join(', ')}` : '';
}

export function verifyActivities(deps: ActivityDeps) {
  const k8s = deps.kubernetes;
  // Said with each check, so the workflow schedules no verification pod this worker would skip.
  const noPod = deps.verificationProbe === undefined ? { noVerificationPod: true as const } : {};
  return {
    /**
     * The pods of the workloads this run restarted that are running now must carry the
     * expected credential variables (and not the other set), and one pod per workload must
     * answer the probe with the expected role and session. `workloads` defaults to those
     * `restartWorkloads` restarts. A probe that cannot run is a recorded warning, never a
     * silent pass; pods of other controllers are left out, with a warning when they are on
     * the other path.
     */
    async verifyCredentials(
      input: ClusterTarget & {
        roleArn: string;
        /** Pod Identity chains to this role, so the pods run as it (`--target-role`). */
        targetRoleArn?: string;
        expect: CredentialExpectation;
        verifyCommand?: string[];
        workloads?: WorkloadRef[];
        /** `false`: no in-pod probe (`--verify-with pod`); the variables are checked all the same. */
        inPodProbe?: boolean;
      },
    ): Promise<{ detail: string; warnings: string[]; noVerificationPod?: true }> {
      const { cluster, serviceAccount: sa, expect } = input;
      const restarted = input.workloads ?? (await k8s.listWorkloads(cluster, sa.namespace, sa.name)).map((w) => w.ref);
      const {
        verified: pods,
        others,
        notRunning,
      } = podsToVerify(await k8s.listPods(cluster, sa.namespace, sa.name), restarted);
      const warnings: string[] = others
        .filter((pod) => pod.containers.some((c) => credentialPath(c.env) !== expect))
        .map(
          (pod) =>
            `${cluster}: pod ${pod.name} (${controllerLabel(pod)}) runs as ${sa.namespace}/${sa.name} but was not restarted by this run: it is still on ${pod.containers.map((c) => credentialPath(c.env)).find((p) => p !== expect) ?? 'none'}`,
        );
      if (pods.length === 0) {
        warnings.push(`${cluster}: no running pods use ${sa.namespace}/${sa.name}: credentials could not be verified`);
        return { detail: `no running pods to verify${leftOut(notRunning, others)}`, warnings, ...noPod };
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
      const identities: string[] = [];
      for (const [owner, pod] of input.inPodProbe === false ? [] : probeTargets(pods)) {
        const container = pod.containers[0];
        if (!container) continue;
        const result = await k8s.exec(cluster, pod.namespace, pod.name, container.name, command);
        if (isExecNotStarted(result)) {
          warnings.push(
            `${cluster}: probe unavailable in ${pod.name}/${container.name} (${command[0] ?? ''} is not in the image: ${shownOutput(result.message)}): environment checked, caller identity not`,
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
            // Probe output reaches Slack and the run's history: redacted and cut short.
            `${cluster}: ${owner}: \`${command.join(' ')}\` in ${pod.name} exited ${result.exitCode}: ${shownOutput(result.stderr.trim() || result.stdout)}`,
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
            `${cluster}: ${owner}: unreadable caller identity: ${shownOutput(result.stdout, 200)}`,
          );
        }
        const check = checkCallerIdentity(
          identity.arn,
          {
            roleArn: input.roleArn,
            ...(input.targetRoleArn !== undefined && { targetRoleArn: input.targetRoleArn }),
            cluster,
            eksClusterName: deps.eksClusterName?.(cluster),
          },
          expect,
        );
        if (!check.ok) throw failure(FailureType.VerificationFailed, `${cluster}: ${owner}: ${check.message}`);
        identities.push(`${owner}: ${identity.arn}`);
      }
      return {
        detail: `${pods.length} pod(s) on ${expect}${identities.length ? `; caller identity ${identities.join('; ')}` : ''}${leftOut(notRunning, others)}`,
        warnings,
        ...noPod,
      };
    },
  };
}
