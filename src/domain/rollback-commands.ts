/**
 * The commands that put a service account back on IRSA by hand: complete, copy-pasteable
 * (aws, kubectl, jq), from what a run recorded. The workflow's manual steps
 * (workflows/migration/manual-steps.ts) and the change record (change-record.ts) both use
 * them, so the rollback a record documents is the one the workflow would run.
 */
import { IRSA_ANNOTATION } from './constants.js';
import type { RollbackNote } from './migration-state.js';
import type { MigrationOptions, PolicyStatement, ServiceAccountRef, WorkloadRef } from './types.js';

export type ClusterAction = 'annotate' | 'delete-association' | 'wait' | 'restart' | 'verify';

/** What a run recorded that its rollback commands need. */
export interface RollbackContext {
  serviceAccount: ServiceAccountRef;
  roleArn: string;
  options: Pick<
    MigrationOptions,
    'consistencyWaitSeconds' | 'rolloutTimeoutSeconds' | 'targetRoleArn' | 'disableSessionTags'
  >;
  rollbackNote: RollbackNote;
  /** The `migrate-identity/run` tag on the associations the run created. */
  runTag: string;
}

const kind = (ref: WorkloadRef) => `${ref.kind.toLowerCase()}/${ref.name}`;

export function roleNameOf(roleArn: string): string {
  return roleArn.split('/').pop() ?? roleArn;
}

function workloadsOf(ctx: RollbackContext, cluster: string): WorkloadRef[] {
  return (ctx.rollbackNote.workloads[cluster] ?? []).map((w) => w.ref);
}

/** The command for one action of a cluster's way back to IRSA. */
export function rollbackCommand(
  ctx: RollbackContext,
  cluster: string,
  action: ClusterAction,
  associationId?: string,
): string {
  const sa = ctx.serviceAccount;
  const ns = `kubectl -n ${sa.namespace}`;
  const workloads = workloadsOf(ctx, cluster);
  const timeout = ctx.options.rolloutTimeoutSeconds;
  switch (action) {
    case 'annotate':
      return `${ns} annotate serviceaccount ${sa.name} ${IRSA_ANNOTATION}=${ctx.rollbackNote.previousAnnotations[cluster] ?? ''} --overwrite`;
    case 'delete-association':
      return associationId
        ? `aws eks delete-pod-identity-association --cluster-name ${cluster} --association-id ${associationId}`
        : `for id in $(aws eks list-pod-identity-associations --cluster-name ${cluster} --namespace ${sa.namespace} --service-account ${sa.name} --query 'associations[].associationId' --output text); do [ "$(aws eks describe-pod-identity-association --cluster-name ${cluster} --association-id $id --query 'association.tags."migrate-identity/run"' --output text)" = "${ctx.runTag}" ] && aws eks delete-pod-identity-association --cluster-name ${cluster} --association-id $id; done`;
    case 'wait':
      return `sleep ${Math.max(ctx.options.consistencyWaitSeconds, 30)}  # the deletion reaches the Pod Identity webhook (eventually consistent)`;
    case 'restart':
      return workloads.length
        ? `${ns} rollout restart ${workloads.map(kind).join(' ')} && ${workloads.map((w) => `${ns} rollout status ${kind(w)} --timeout=${timeout}s`).join(' && ')}`
        : `${ns} rollout restart <each workload using ${sa.name}>`;
    case 'verify': {
      const first = workloads[0];
      return `${ns} exec ${first ? kind(first) : `<a pod using ${sa.name}>`} -- aws sts get-caller-identity  # expect an IRSA session of role ${roleNameOf(ctx.roleArn)} (not eks-${cluster}-…)`;
    }
  }
}

function trustEdit(ctx: RollbackContext, jq: string): string {
  const role = roleNameOf(ctx.roleArn);
  return `aws iam get-role --role-name ${role} --query Role.AssumeRolePolicyDocument --output json | jq '${jq}' > trust.json && aws iam update-assume-role-policy --role-name ${role} --policy-document file://trust.json`;
}

export function restoreIrsaTrustCommand(ctx: RollbackContext, removed: PolicyStatement[]): string {
  return trustEdit(ctx, `.Statement += ${JSON.stringify(removed).replaceAll("'", "'\\''")}`);
}

export function removePodIdentityTrustCommand(ctx: RollbackContext, sid: string): string {
  return trustEdit(ctx, `del(.Statement[] | select(.Sid == "${sid}"))`);
}

export function recreateAssociationCommand(ctx: RollbackContext, cluster: string): string {
  const sa = ctx.serviceAccount;
  const { targetRoleArn, disableSessionTags } = ctx.options;
  const chained = targetRoleArn === undefined ? '' : ` --target-role-arn ${targetRoleArn}`;
  const tagsOff = disableSessionTags === true ? ' --disable-session-tags' : '';
  return `aws eks create-pod-identity-association --cluster-name ${cluster} --namespace ${sa.namespace} --service-account ${sa.name} --role-arn ${ctx.roleArn}${chained}${tagsOff} --tags managed-by=migrate-identity`;
}
