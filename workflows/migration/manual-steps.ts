/**
 * The commands a human runs to finish a rollback the workflow could not: complete, in
 * order, copy-pasteable (aws, kubectl, jq), each line prefixed with the cluster (or role)
 * it is for. The line of the step that failed carries its cause; the lines after it start
 * with "then"; lines that must come before it (undoing a compensation) start with "first".
 */
import { IRSA_ANNOTATION } from '../../src/domain/constants.js';
import type { PolicyStatement, WorkloadRef } from '../../src/domain/types.js';
import type { MigrationRun } from './run.js';

export type ClusterAction = 'annotate' | 'delete-association' | 'wait' | 'restart' | 'verify';

const kind = (ref: WorkloadRef) => `${ref.kind.toLowerCase()}/${ref.name}`;

export function roleName(run: MigrationRun): string {
  return run.input.roleArn.split('/').pop() ?? run.input.roleArn;
}

function workloadsOf(run: MigrationRun, cluster: string): WorkloadRef[] {
  return (run.state.rollbackNote.workloads[cluster] ?? []).map((w) => w.ref);
}

/** The command for one action of a cluster's way back to IRSA. */
export function clusterCommand(run: MigrationRun, cluster: string, action: ClusterAction, associationId?: string) {
  const sa = run.serviceAccount;
  const ns = `kubectl -n ${sa.namespace}`;
  const workloads = workloadsOf(run, cluster);
  const timeout = run.options.rolloutTimeoutSeconds;
  switch (action) {
    case 'annotate':
      return `${ns} annotate serviceaccount ${sa.name} ${IRSA_ANNOTATION}=${run.state.rollbackNote.previousAnnotations[cluster] ?? ''} --overwrite`;
    case 'delete-association':
      return associationId
        ? `aws eks delete-pod-identity-association --cluster-name ${cluster} --association-id ${associationId}`
        : `for id in $(aws eks list-pod-identity-associations --cluster-name ${cluster} --namespace ${sa.namespace} --service-account ${sa.name} --query 'associations[].associationId' --output text); do [ "$(aws eks describe-pod-identity-association --cluster-name ${cluster} --association-id $id --query 'association.tags."migrate-identity/run"' --output text)" = "${run.runTag}" ] && aws eks delete-pod-identity-association --cluster-name ${cluster} --association-id $id; done`;
    case 'wait':
      return `sleep ${Math.max(run.options.consistencyWaitSeconds, 30)}  # the deletion reaches the Pod Identity webhook (eventually consistent)`;
    case 'restart':
      return workloads.length
        ? `${ns} rollout restart ${workloads.map(kind).join(' ')} && ${workloads.map((w) => `${ns} rollout status ${kind(w)} --timeout=${timeout}s`).join(' && ')}`
        : `${ns} rollout restart <each workload using ${sa.name}>`;
    case 'verify': {
      const first = workloads[0];
      return `${ns} exec ${first ? kind(first) : `<a pod using ${sa.name}>`} -- aws sts get-caller-identity  # expect an IRSA session of role ${roleName(run)} (not eks-${cluster}-…)`;
    }
  }
}

/**
 * A cluster's remaining way back to IRSA, from `failed` on: the failed action with its
 * cause, then the rest. `before` are lines to run first (such as deleting an association
 * the rollback re-created).
 */
export function clusterManualSteps(
  run: MigrationRun,
  cluster: string,
  actions: { action: ClusterAction; associationId?: string }[],
  cause: string,
  before: string[] = [],
): string[] {
  const lines = before.map((line) => `${cluster}: first ${line}`);
  actions.forEach(({ action, associationId }, index) => {
    const command = clusterCommand(run, cluster, action, associationId);
    lines.push(index === 0 ? `${cluster}: ${command}  # ${cause}` : `${cluster}: then ${command}`);
  });
  return lines;
}

function trustEdit(run: MigrationRun, jq: string): string {
  const role = roleName(run);
  return `aws iam get-role --role-name ${role} --query Role.AssumeRolePolicyDocument --output json | jq '${jq}' > trust.json && aws iam update-assume-role-policy --role-name ${role} --policy-document file://trust.json`;
}

export function restoreIrsaTrustCommand(run: MigrationRun, removed: PolicyStatement[]): string {
  return trustEdit(run, `.Statement += ${JSON.stringify(removed).replaceAll("'", "'\\''")}`);
}

export function removePodIdentityTrustCommand(run: MigrationRun, sid: string): string {
  return trustEdit(run, `del(.Statement[] | select(.Sid == "${sid}"))`);
}

export function recreateAssociationCommand(run: MigrationRun, cluster: string): string {
  const sa = run.serviceAccount;
  const { targetRoleArn, disableSessionTags } = run.options;
  const chained = targetRoleArn === undefined ? '' : ` --target-role-arn ${targetRoleArn}`;
  const tagsOff = disableSessionTags === true ? ' --disable-session-tags' : '';
  return `aws eks create-pod-identity-association --cluster-name ${cluster} --namespace ${sa.namespace} --service-account ${sa.name} --role-arn ${run.input.roleArn}${chained}${tagsOff} --tags managed-by=migrate-identity`;
}
