/**
 * The commands a human runs to finish a rollback the workflow could not: complete, in
 * order, copy-pasteable (aws, kubectl, jq), each line prefixed with the cluster (or role)
 * it is for. The line of the step that failed carries its cause; the lines after it start
 * with "then"; lines that must come before it (undoing a compensation) start with "first".
 * The commands themselves are src/domain/rollback-commands.ts's (the change record's too).
 */
import {
  recreateAssociationCommand as recreateCommand,
  removePodIdentityTrustCommand as removeTrustCommand,
  restoreIrsaTrustCommand as restoreTrustCommand,
  roleNameOf,
  rollbackCommand,
  type ClusterAction,
  type RollbackContext,
} from '../../src/domain/rollback-commands.js';
import type { PolicyStatement } from '../../src/domain/types.js';
import type { MigrationRun } from './run.js';

export type { ClusterAction } from '../../src/domain/rollback-commands.js';

function contextOf(run: MigrationRun): RollbackContext {
  return {
    serviceAccount: run.serviceAccount,
    roleArn: run.input.roleArn,
    options: run.options,
    rollbackNote: run.state.rollbackNote,
    runTag: run.runTag,
  };
}

export function roleName(run: MigrationRun): string {
  return roleNameOf(run.input.roleArn);
}

/** The command for one action of a cluster's way back to IRSA. */
export function clusterCommand(run: MigrationRun, cluster: string, action: ClusterAction, associationId?: string) {
  return rollbackCommand(contextOf(run), cluster, action, associationId);
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

export function restoreIrsaTrustCommand(run: MigrationRun, removed: PolicyStatement[]): string {
  return restoreTrustCommand(contextOf(run), removed);
}

export function removePodIdentityTrustCommand(run: MigrationRun, sid: string): string {
  return removeTrustCommand(contextOf(run), sid);
}

export function recreateAssociationCommand(run: MigrationRun, cluster: string): string {
  return recreateCommand(contextOf(run), cluster);
}
