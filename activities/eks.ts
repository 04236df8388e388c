import { createHash } from 'node:crypto';
import { PortError } from '../src/ports/errors.js';
import type { ActivityDeps } from './deps.js';
import type { ClusterTarget } from './types.js';
import { failure } from './failures.js';
import { FailureType } from '../src/domain/failure-types.js';
import { associationDifferences, isSameAssociation, reusableAssociation } from '../src/domain/associations.js';

/** EKS takes a client request token of at most 64 characters; derive it from the workflow's key. */
export function clientRequestToken(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40);
}

export function eksActivities(deps: ActivityDeps) {
  const { eks } = deps;
  return {
    /**
     * Idempotent: the token makes a retried create return the same association; a 409 for an
     * association the same in every field (role, target role, session tags) is success.
     */
    async createAssociation(
      input: ClusterTarget & {
        roleArn: string;
        idempotencyKey: string;
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
          tags: { 'managed-by': 'migrate-identity' },
        });
        return { associationId: association.associationId, created: true };
      } catch (err) {
        if (!(err instanceof PortError && err.kind === 'conflict')) throw err;
        const existing = await eks.findPodIdentityAssociations(cluster, sa.namespace, sa.name);
        const same = reusableAssociation(existing, wanted);
        if (same) return { associationId: same.associationId, created: false };
        const other = existing.find((a) => !isSameAssociation(a, wanted));
        const what =
          other === undefined || other.roleArn !== roleArn
            ? `for another role (${other?.roleArn ?? 'unknown'})`
            : `for this role but with ${associationDifferences(other, wanted).join(', ')}`;
        throw failure(
          FailureType.Conflict,
          `${cluster}: ${sa.namespace}/${sa.name} already has association ${other?.associationId ?? err.details.existingId ?? '?'} ${what}`,
          err,
        );
      }
    },

    /** Deletes `associationId`, or when it is unknown (a create whose answer was lost) the association for (sa, role). */
    async deleteAssociation(
      input: ClusterTarget & { roleArn: string; associationId?: string },
    ): Promise<{ deleted: boolean; associationId?: string }> {
      const { cluster, serviceAccount: sa } = input;
      const ids = input.associationId
        ? [input.associationId]
        : (await eks.findPodIdentityAssociations(cluster, sa.namespace, sa.name))
            .filter((a) => !a.ownerArn && a.roleArn === input.roleArn)
            .map((a) => a.associationId);
      let deleted = false;
      for (const id of ids) {
        try {
          await eks.deletePodIdentityAssociation(cluster, id);
          deleted = true;
        } catch (err) {
          // Already gone (a retried delete): the goal is reached.
          if (!(err instanceof PortError && err.kind === 'not-found')) throw err;
        }
      }
      return { deleted, associationId: ids[0] };
    },
  };
}
