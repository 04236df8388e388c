import type { PolicyStatement, ServiceAccountRef } from '../src/domain/types.js';
import { parseRoleArn } from '../src/domain/names.js';
import {
  addPodIdentityTrust,
  hasPodIdentityTrust,
  isAppendedPodIdentityStatement,
  removeIrsaTrust,
  removeStatementBySid,
  restoreIrsaTrust,
  type PodIdentityTrustScope,
} from '../src/domain/trust-policy.js';
import type { ActivityDeps } from './deps.js';

export function trustActivities(deps: ActivityDeps) {
  const { iam } = deps;
  return {
    /**
     * Makes the role trust Pod Identity for the scope unless it already does: appends our
     * statement, or widens an existing scoped one. A statement with our Sid exactly as we
     * append it counts as added by this run, so a retry after a lost answer still lets
     * rollback remove it; a widened one never does (others rely on it).
     */
    async ensurePodIdentityTrust(input: {
      roleArn: string;
      sid: string;
      /** Whom the statement admits (the plan's `trust.scope`); absent: every association. */
      scope?: PodIdentityTrustScope;
    }): Promise<{ added: boolean }> {
      const { roleName } = parseRoleArn(input.roleArn);
      const role = await iam.getRole(roleName);
      if (hasPodIdentityTrust(role.trustPolicy, input.scope)) {
        // Only the very statement this run would append counts as ours: one widened since serves others too.
        const ours = role.trustPolicy.Statement.some((s) => isAppendedPodIdentityStatement(s, input.sid, input.scope));
        return { added: ours };
      }
      // Widening a statement that was there is not adding one: rollback must not remove it.
      const { document, added } = addPodIdentityTrust(role.trustPolicy, input.sid, input.scope);
      await iam.updateTrustPolicy(roleName, document);
      return { added };
    },

    async removePodIdentityTrust(input: { roleArn: string; sid: string }): Promise<{ removed: boolean }> {
      const { roleName } = parseRoleArn(input.roleArn);
      const role = await iam.getRole(roleName);
      const { document, removed } = removeStatementBySid(role.trustPolicy, input.sid);
      if (removed) await iam.updateTrustPolicy(roleName, document);
      return { removed };
    },

    async removeIrsaTrust(input: {
      roleArn: string;
      serviceAccount: ServiceAccountRef;
      issuers: string[];
    }): Promise<{ removed: PolicyStatement[] }> {
      const { roleName } = parseRoleArn(input.roleArn);
      const role = await iam.getRole(roleName);
      const { document, removed } = removeIrsaTrust(role.trustPolicy, {
        issuers: input.issuers,
        namespace: input.serviceAccount.namespace,
        serviceAccount: input.serviceAccount.name,
      });
      if (removed.length > 0) await iam.updateTrustPolicy(roleName, document);
      return { removed };
    },

    async restoreIrsaTrust(input: { roleArn: string; removed: PolicyStatement[] }): Promise<void> {
      const { roleName } = parseRoleArn(input.roleArn);
      const role = await iam.getRole(roleName);
      const document = restoreIrsaTrust(role.trustPolicy, input.removed);
      if (JSON.stringify(document) !== JSON.stringify(role.trustPolicy))
        await iam.updateTrustPolicy(roleName, document);
    },
  };
}
