import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkloadRef } from '../../src/domain/types.js';
import { isExecNotStarted } from '../../src/domain/kubernetes.js';
import type { ExecOutcome, ExecResult } from '../../src/domain/kubernetes.js';
import { rolloutStatus } from '../../src/domain/rollout.js';
import type { SandboxFleet } from '../../src/sandbox/index.js';
import { buildVerificationPod, DEFAULT_PROBE } from '../../src/domain/verification-pod.js';
import type { ProbeSettings, VerificationPodSpec } from '../../src/domain/verification-pod.js';
import { addPodIdentityTrust } from '../../src/domain/trust-policy.js';

export const ROLE_ARN = 'arn:aws:iam::111122223333:role/eks-payments-reconciler';
export const RECONCILER: WorkloadRef = { kind: 'Deployment', namespace: 'payments', name: 'reconciler' };
export const LEDGER_WRITER: WorkloadRef = {
  kind: 'StatefulSet',
  namespace: 'payments',
  name: 'reconciler-ledger-writer',
};
export const STS_PROBE = ['aws', 'sts', 'get-caller-identity'];

/** A clock the test moves by hand. Starts after the seed's pods were created. */
export interface ManualClock {
  now: () => number;
  advance(ms: number): number;
  iso(): string;
}

export function manualClock(start = Date.parse('2025-06-01T00:00:00.000Z')): ManualClock {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      current += ms;
      return current;
    },
    iso: () => new Date(current).toISOString(),
  };
}

/** A fresh temp dir for a state file (SQLite); `cleanup` removes it. */
export async function tempStateFile(): Promise<{ file: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sandbox-'));
  return { file: join(dir, 'fleet.sqlite'), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function reconcilerAssociation(cluster: string, token = `token-${cluster}`) {
  return { cluster, namespace: 'payments', serviceAccount: 'reconciler', roleArn: ROLE_ARN, clientRequestToken: token };
}

/** Steps the manual clock until `kubectl rollout status` would say done; fails after `maxSteps`. */
export async function settleRollout(
  fleet: SandboxFleet,
  clock: ManualClock,
  cluster: string,
  ref: WorkloadRef,
  stepMs = 500,
  maxSteps = 50,
): Promise<void> {
  for (let step = 0; step < maxSteps; step += 1) {
    const result = rolloutStatus(await fleet.kubernetes.getWorkloadStatus(cluster, ref));
    if (result.state === 'done') return;
    if (result.state === 'failed') throw new Error(`rollout failed: ${result.message}`);
    clock.advance(stepMs);
  }
  throw new Error(`rollout of ${ref.name} in ${cluster} did not finish in ${maxSteps} steps`);
}

/** Live (non-terminating) pods of the service account, with the credential variables they hold. */
export async function livePods(fleet: SandboxFleet, cluster: string, serviceAccount = 'reconciler') {
  const pods = await fleet.kubernetes.listPods(cluster, 'payments', serviceAccount);
  return pods.filter((p) => !p.terminating);
}

/** The command ran, whatever its exit code: fails the test when the runtime could not start it. */
export function ran(outcome: ExecOutcome): ExecResult {
  if (isExecNotStarted(outcome)) assert.fail(`the command did not start: ${outcome.message}`);
  return outcome;
}

/** A verification pod for `namespace/serviceAccount` with the default probe, named uniquely. */
export function verificationPodSpec(
  namespace: string,
  serviceAccount: string,
  overrides: Partial<ProbeSettings> & { runKey?: string; nodeSelector?: Record<string, string> } = {},
): VerificationPodSpec {
  const { runKey = 'feedfacefeedface', nodeSelector = {}, ...probe } = overrides;
  return buildVerificationPod({
    runKey,
    workflowId: `migrate-identity/${namespace}/${serviceAccount}`,
    serviceAccount: { namespace, name: serviceAccount },
    probe: { ...DEFAULT_PROBE, ...probe },
    scheduling: { nodeSelector, tolerations: [] },
    suffix: Math.random().toString(36).slice(2, 7),
    now: new Date().toISOString(),
  });
}

/** The role trusts Pod Identity (the statement a migration's trust step adds). */
export async function trustPodIdentity(fleet: SandboxFleet): Promise<void> {
  const role = await fleet.iam.getRole('eks-payments-reconciler');
  await fleet.iam.updateTrustPolicy(role.name, addPodIdentityTrust(role.trustPolicy).document);
}

/** The role trusts Pod Identity and the association exists: what a migration has done by its verify step. */
export async function onPodIdentity(fleet: SandboxFleet, cluster = 'sandbox-a'): Promise<void> {
  await trustPodIdentity(fleet);
  await fleet.eks.createPodIdentityAssociation(reconcilerAssociation(cluster));
}
