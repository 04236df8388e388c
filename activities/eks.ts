import { createHash } from 'node:crypto';
import { FailureType } from '../src/domain/failure-types.js';
import { PortError } from '../src/ports/errors.js';
import type { ActivityDeps } from './deps.js';
import { failure } from './failures.js';
import type { ClusterTarget } from './types.js';
import { associationDifferences, isSameAssociation } from '../src/domain/associations.js';

/** Every association the tool creates carries it; the orchestrator policy's tag conditions name it. */
export const MANAGED_BY_TAG = { 'managed-by': 'migrate-identity' } as const;
/** Which run created an association (`<workflowId>/<runId>`): rollback deletes only its own. */
export const RUN_TAG = 'migrate-identity/run';

const EXISTING_ASSOCIATION = /Association already exists:\s*([A-Za-z0-9-]+)/;

/** EKS takes a client request token of at most 64 characters; derive it from the workflow's key. */
export function clientRequestToken(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40);
}

export function eksActivities(deps: ActivityDeps) {
  const { eks } = deps;
  return {
    /**
     * Idempotent: the token makes a retried create return the same association. A 409 names
     * the association that already exists ("Association already exists: <id>"); it is
     * described by that id, since List is eventually consistent and may not show it yet. One
     * the same in every field (role, target role, session tags, session policy) and no
     * add-on's is success (`created` only when this run's tag is on it); any other is a conflict.
     */
    async createAssociation(
      input: ClusterTarget & {
        roleArn: string;
        idempotencyKey: string;
        runTag: string;
        targetRoleArn?: string;
        disableSessionTags?: boolean;
      },
    ): Promise<{ associationId: string; created: boolean }> {
      const { cluster, serviceAccount: sa, roleArn } = input;
      const wanted = {
        roleArn,
        ...(input.targetRoleArn !== undefined && { targetRoleArn: input.targetRoleArn }),
        ...(input.disableSessionTags === true && { disableSessionTags: true }),
      };
      try {
        const association = await eks.createPodIdentityAssociation({
          cluster,
          namespace: sa.namespace,
          serviceAccount: sa.name,
          ...wanted,
          clientRequestToken: clientRequestToken(input.idempotencyKey),
          tags: { ...MANAGED_BY_TAG, [RUN_TAG]: input.runTag },
        });
        return { associationId: association.associationId, created: true };
      } catch (err) {
        if (!(err instanceof PortError && err.kind === 'conflict')) throw err;
        const id = err.details.existingId ?? EXISTING_ASSOCIATION.exec(err.message)?.[1];
        if (id === undefined) {
          throw failure(FailureType.Conflict, `${cluster}: ${sa.namespace}/${sa.name}: ${err.message}`, err);
        }
        const existing = await eks.describePodIdentityAssociation(cluster, id);
        if (existing === undefined) {
          // Deleted since the 409: creating again will tell.
          throw failure(
            FailureType.Unavailable,
            `${cluster}: association ${id} named by the conflict no longer exists; retrying the create`,
            err,
          );
        }
        if (existing.ownerArn === undefined && isSameAssociation(existing, wanted)) {
          return { associationId: id, created: existing.tags?.[RUN_TAG] === input.runTag };
        }
        const why = existing.ownerArn
          ? `owned by ${existing.ownerArn}`
          : existing.roleArn !== roleArn
            ? `for another role (${existing.roleArn})`
            : `for this role but with ${associationDifferences(existing, wanted).join(', ')}`;
        throw failure(
          FailureType.Conflict,
          `${cluster}: ${sa.namespace}/${sa.name} already has association ${id} ${why}`,
          err,
        );
      }
    },

    /**
     * Deletes the association this run created: `associationId` when the run knows it, else
     * (a create whose answer was lost) the one carrying this run's tag. Never one by service
     * account and role: that may be another run's, or a human's. Returns the ids now gone,
     * including one a lost answer had already deleted.
     */
    async deleteAssociation(
      input: ClusterTarget & { runTag: string; associationId?: string },
    ): Promise<{ deleted: string[] }> {
      const { cluster, serviceAccount: sa } = input;
      const ids = input.associationId
        ? [input.associationId]
        : (await eks.findPodIdentityAssociations(cluster, sa.namespace, sa.name))
            .filter((a) => a.tags?.[RUN_TAG] === input.runTag)
            .map((a) => a.associationId);
      const deleted: string[] = [];
      for (const id of ids) {
        try {
          await eks.deletePodIdentityAssociation(cluster, id);
        } catch (err) {
          // Already gone (a retried delete): the goal is reached.
          if (!(err instanceof PortError && err.kind === 'not-found')) throw err;
        }
        deleted.push(id);
      }
      return { deleted };
    },
  };
}
