import type { PolicyStatement, ServiceAccountRef } from '../src/domain/types.js';
import { parseRoleArn } from '../src/domain/names.js';
import {
  addPodIdentityTrust,
  hasPodIdentityTrust,
  removeIrsaTrust,
  removeStatementBySid,
  restoreIrsaTrust,
} from '../src/domain/trust-policy.js';
import type { ActivityDeps } from './deps.js';

export function trustActivities(deps: ActivityDeps) {
  const { iam } = deps;
  return {
    /**
     * Adds the Pod Identity statement unless an equivalent one exists. A statement with our
     * Sid counts as added by this run, so a retry after a lost answer still lets rollback remove it.
     */
    async ensurePodIdentityTrust(input: { roleArn: string; sid: string }): Promise<{ added: boolean }> {
      const { roleName } = parseRoleArn(input.roleArn);
      const role = await iam.getRole(roleName);
      if (role.trustPolicy.Statement.some((s) => s.Sid === input.sid)) return { added: true };
      if (hasPodIdentityTrust(role.trustPolicy)) return { added: false };
      const { document } = addPodIdentityTrust(role.trustPolicy, input.sid);
      await iam.updateTrustPolicy(roleName, document);
      return { added: true };
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
